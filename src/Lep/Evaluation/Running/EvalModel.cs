using Lep.Evaluation.Prompts;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tokenization;
using static TorchSharp.torch;

namespace Lep.Evaluation.Running;

/// <summary>A model under evaluation: weights, tokenizer, prompt style and the tokens that end a reply.</summary>
internal sealed class EvalModel : IDisposable
{
    public string Name { get; }
    public string Directory { get; }
    public ILanguageModel Lm { get; }
    public Tokenizer Tokenizer { get; }
    public IPromptFormatter Formatter { get; }
    public IReadOnlySet<int> StopTokens { get; }
    public int? BosTokenId { get; }

    public EvalModel(string name, string directory, ILanguageModel lm, Tokenizer tokenizer, IPromptFormatter formatter)
    {
        Name = name;
        Directory = directory;
        Lm = lm;
        Tokenizer = tokenizer;
        Formatter = formatter;
        var stops = new HashSet<int>(lm.Config.EosTokenIds);
        string genConfig = Path.Combine(directory, "generation_config.json");
        if (File.Exists(genConfig)) stops.UnionWith(JsonFile.ReadObject(genConfig).GetIntOrList("eos_token_id"));
        StopTokens = stops;
        BosTokenId = lm.Config.Json.GetInt("bos_token_id");
    }

    /// <summary>Checks that a model dir has what evaluation needs before anything heavy is loaded.</summary>
    public static void Validate(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new LepInputException(directory, "model directory not found");
        if (!File.Exists(Path.Combine(directory, "config.json"))) throw new LepInputException(directory, "not a model directory (no config.json)");
        if (!File.Exists(Path.Combine(directory, "tokenizer.json")))
            throw new LepInputException(directory, "the model directory has no tokenizer.json (evaluation needs the model's tokenizer)");
        if (!CheckpointReader.HasWeights(directory)) throw new LepInputException(directory, "the model directory has no safetensors weights");
        CheckpointLayout.Validate(directory);
    }

    public static EvalModel Load(string name, string directory, Device device, PromptMode mode, InferenceBackend? backend = null,
        IProgress<double>? progress = null, Action<string>? note = null)
    {
        Validate(directory);
        Tokenizer tokenizer = Tokenizer.Load(directory);
        IPromptFormatter formatter = PromptFormatters.ForModel(directory, mode);
        ILanguageModel lm = (backend ?? InferenceBackend.Torch).Load(directory, device, progress, note);
        if (tokenizer.VocabSize > lm.Config.VocabSize)
        {
            lm.Dispose();
            throw new LepInputException(Path.Combine(directory, "tokenizer.json"),
                $"the tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {lm.Config.VocabSize}");
        }
        return new EvalModel(name, directory, lm, tokenizer, formatter);
    }

    public int[] EncodePrompt(string text) => Tokenizer.Encode(text, Formatter.AddSpecialTokens);

    /// <summary>Ids of <paramref name="continuation"/> after <paramref name="context"/>: the tail of encoding both together when
    /// that keeps the context's ids (so the split matches how the text would be tokenised whole), else encoded alone.</summary>
    public int[] ContinuationIds(int[] contextIds, string context, string continuation)
    {
        int[] full = EncodePrompt(context + continuation);
        if (full.Length > contextIds.Length && full.AsSpan(0, contextIds.Length).SequenceEqual(contextIds))
            return full[contextIds.Length..];
        return Tokenizer.Encode(continuation, addSpecialTokens: false);
    }

    public void Dispose() => Lm.Dispose();
}
