namespace Lep.Zoo;

/// <summary>
/// How the tiny base + instruct pair is built: tokenizer, architecture, pre-training and instruction tuning.
/// Saved next to the models (assets/zoo/recipe.json) so a build can be repeated exactly.
/// </summary>
internal sealed record ZooRecipe
{
    public string Name { get; init; } = "full";
    public int Seed { get; init; } = 1;

    // Tokenizer: an English-centric byte-level BPE, trained on text that is ~90 % English by characters (the light
    // profile: ~98 %, so that a Russian vocabulary of the same size gives ≥ 1.5× characters/token, as in Llama-3).
    public int VocabSize { get; init; } = 8192;
    public double TokenizerRussianShare { get; init; } = 0.10;

    // Architecture (Llama: RMSNorm, RoPE, GQA, SwiGLU, untied head like Llama-3-8B). Sized so the whole build takes
    // about 1.7 hours on 2 cores: 4 layers train at ~2.5–3.5k tokens/s here (`Lep.Bench.dll train-mfu 16 256 8192 256 688 4 8 2`).
    public int HiddenSize { get; init; } = 256;
    public int IntermediateSize { get; init; } = 688;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 8;
    public int KeyValueHeads { get; init; } = 2;
    public int MaxPositions { get; init; } = 1024;
    public double RopeTheta { get; init; } = 10000;

    // Pre-training on English + some Russian (share of documents' characters).
    public double PretrainRussianShare { get; init; } = 0.20;
    /// <summary>Share of documents followed by a short passage of theirs written twice (<see cref="RepeatedPassages"/>:
    /// a copying signal the deduplicated corpus lacks; measured, it barely changed the base's copying).</summary>
    public double PretrainRepeatShare { get; init; } = 0.4;
    /// <summary>
    /// Instruction-shaped plain text in pre-training (the task data's train split and copy examples, rendered as
    /// "user\n…\nassistant\n…" without the chat tokens), as web-scale pre-training corpora hold Q&amp;A pages: the base
    /// learns the skills, instruction tuning only the chat format. Off in the full profile.
    /// </summary>
    public bool PretrainInstructionText { get; init; }
    /// <summary>Share of the Russian-prompt task records in that text (English-prompt ones are all taken).</summary>
    public double PretrainTaskRussianShare { get; init; } = 1.0;
    public int PretrainCopyEnglish { get; init; }
    public int PretrainCopyRussian { get; init; }
    public int PretrainSteps { get; init; } = 2500;
    public int PretrainBatch { get; init; } = 16;
    public int BlockSize { get; init; } = 256;
    public double PretrainLearningRate { get; init; } = 2e-3;
    public int PretrainWarmup { get; init; } = 100;

    // Instruction tuning on task data: all English-prompt records and this share of the Russian-prompt ones.
    public double InstructRussianShare { get; init; } = 0.25;
    public int InstructSteps { get; init; } = 1500;
    /// <summary>Copy-task conversations added from the training text ("Repeat exactly: …"), on top of the task data.</summary>
    public int InstructExtraCopyEnglish { get; init; } = 12000;
    public int InstructExtraCopyRussian { get; init; } = 3000;
    public int InstructBatch { get; init; } = 16;
    public double InstructLearningRate { get; init; } = 1e-3;
    public int InstructWarmup { get; init; } = 50;

    /// <summary>Items per evaluation task (test split) measured into the manifest.</summary>
    public int EvalItems { get; init; } = 200;

    /// <summary>The shipped pair: copies well (instruction tuning teaches it), but drifts 0.35 / 0.48 from its base.</summary>
    public static ZooRecipe Full { get; } = new();

    /// <summary>
    /// An instruct stage like real ones (all weights trainable, peak learning rate 1/10 of pre-training, under 10 % of
    /// its tokens) on a base that saw instruction-shaped text, and a tokenizer that leaves Russian under-served. Measured
    /// (2026-12-02, 1.4 h here): drift 0.026 / 0.055, residual 0.025 / 0.035, multiple choice 0.44 / 0.52 (chance 0.25),
    /// but copy exact match 0.005: the base does not copy in context yet (probe ratio 0.88), so there is nothing to keep.
    /// </summary>
    public static ZooRecipe Light { get; } = new()
    {
        Name = "light", TokenizerRussianShare = 0.02, PretrainInstructionText = true, PretrainCopyEnglish = 40000, PretrainCopyRussian = 20000,
        PretrainSteps = 2000, InstructRussianShare = 0.5, InstructSteps = 190, InstructExtraCopyEnglish = 3000, InstructExtraCopyRussian = 2000,
        InstructLearningRate = 2e-4, InstructWarmup = 20,
    };

    /// <summary>A few minutes on 2 cores: the whole pipeline at toy scale (demo, tests), same code paths.</summary>
    public static ZooRecipe Quick { get; } = new()
    {
        Name = "quick", VocabSize = 1024, HiddenSize = 64, IntermediateSize = 172, Layers = 2, Heads = 4, KeyValueHeads = 2,
        MaxPositions = 512, PretrainSteps = 60, PretrainBatch = 8, BlockSize = 128, PretrainWarmup = 10,
        InstructSteps = 30, InstructBatch = 8, InstructWarmup = 5, EvalItems = 10, InstructExtraCopyEnglish = 200, InstructExtraCopyRussian = 50,
        PretrainInstructionText = true, PretrainCopyEnglish = 200, PretrainCopyRussian = 50,
    };

    /// <summary>A recipe file (the recipe.json a build writes, edited); missing fields keep the full profile's values.</summary>
    public static ZooRecipe Load(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "recipe file not found");
        try
        {
            var options = new System.Text.Json.JsonSerializerOptions { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };
            return System.Text.Json.JsonSerializer.Deserialize<ZooRecipe>(File.ReadAllText(path), options)
                   ?? throw new LepInputException(path, "the recipe is null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new LepInputException(path, $"not a zoo recipe ({e.Message})");
        }
    }

    public static ZooRecipe Get(string name) => name switch
    {
        "full" => Full,
        "light" => Light,
        "quick" => Quick,
        _ => throw new ArgumentException($"unknown zoo profile '{name}' (full, light or quick)"),
    };
}
