namespace Lep.Zoo;

/// <summary>
/// How the tiny base + instruct pair is built: tokenizer, architecture, pre-training and instruction tuning.
/// Saved next to the models (assets/zoo/recipe.json) so a build can be repeated exactly.
/// </summary>
public sealed record ZooRecipe
{
    public string Name { get; init; } = "full";
    public int Seed { get; init; } = 1;

    // Tokenizer: an English-centric byte-level BPE, trained on text that is ~98 % English by characters, so that Russian
    // is as under-served as in Llama-3/Mistral (a Russian vocabulary of the same size gives ≥ 1.5× characters/token).
    public int VocabSize { get; init; } = 8192;
    public double TokenizerRussianShare { get; init; } = 0.02;

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
    /// learns the skills, instruction tuning only the chat format. Russian-prompt task records taken, and copy examples.
    /// </summary>
    public double PretrainTaskRussianShare { get; init; } = 1.0;
    public int PretrainCopyEnglish { get; init; } = 40000;
    public int PretrainCopyRussian { get; init; } = 20000;
    public int PretrainSteps { get; init; } = 2000;
    public int PretrainBatch { get; init; } = 16;
    public int BlockSize { get; init; } = 256;
    public double PretrainLearningRate { get; init; } = 2e-3;
    public int PretrainWarmup { get; init; } = 100;

    // Instruction tuning like real ones (all weights trainable, peak learning rate 1/10 of pre-training, under 10 % of
    // the pre-training tokens): all English-prompt task records and this share of the Russian-prompt ones.
    public double InstructRussianShare { get; init; } = 0.5;
    public int InstructSteps { get; init; } = 190;
    /// <summary>Copy-task conversations added from the training text ("Repeat exactly: …"), on top of the task data.</summary>
    public int InstructExtraCopyEnglish { get; init; } = 3000;
    public int InstructExtraCopyRussian { get; init; } = 2000;
    public int InstructBatch { get; init; } = 16;
    public double InstructLearningRate { get; init; } = 2e-4;
    public int InstructWarmup { get; init; } = 20;

    /// <summary>Items per evaluation task (test split) measured into the manifest.</summary>
    public int EvalItems { get; init; } = 200;

    public static ZooRecipe Full { get; } = new();

    /// <summary>A few minutes on 2 cores: the whole pipeline at toy scale (demo, tests), same code paths.</summary>
    public static ZooRecipe Quick { get; } = new()
    {
        Name = "quick", VocabSize = 1024, HiddenSize = 64, IntermediateSize = 172, Layers = 2, Heads = 4, KeyValueHeads = 2,
        MaxPositions = 512, PretrainSteps = 60, PretrainBatch = 8, BlockSize = 128, PretrainWarmup = 10,
        InstructSteps = 30, InstructBatch = 8, InstructWarmup = 5, EvalItems = 10, InstructExtraCopyEnglish = 200, InstructExtraCopyRussian = 50,
        PretrainCopyEnglish = 200, PretrainCopyRussian = 50,
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
        "quick" => Quick,
        _ => throw new ArgumentException($"unknown zoo profile '{name}' (full or quick)"),
    };
}
