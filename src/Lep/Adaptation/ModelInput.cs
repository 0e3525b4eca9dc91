using System.Runtime.CompilerServices;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Options;
using Lep.Tokenization;

namespace Lep.Adaptation;

/// <summary>An HF model dir opened for an adaptation stage: config, lazily read weights, tokenizer, embedding names.</summary>
internal sealed class ModelInput : IDisposable
{
    public const string EmbedName = CheckpointLayout.EmbedName;
    public const string HeadName = CheckpointLayout.HeadName;

    /// <summary>The option the model was given as: what errors name it by, in the caller's words (<c>--base DIR</c> on
    /// the command line, <c>option 'base'</c> in a pipeline), see <see cref="OptionException"/>.</summary>
    public OptionSpec<string> Role { get; }
    public string Directory { get; }
    public ModelConfig Config { get; }
    public CheckpointReader Weights { get; }
    public Tokenizer Tokenizer { get; }
    public TensorInfo Embed { get; }
    public TensorInfo? Head { get; }
    public bool Tied => Head is null;

    private ModelInput(OptionSpec<string> role, string dir, ModelConfig config, CheckpointReader weights, Tokenizer tokenizer, TensorInfo embed, TensorInfo? head)
    {
        Role = role;
        Directory = dir;
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        Embed = embed;
        Head = head;
    }

    /// <summary>Opens and checks one model dir; <paramref name="role"/> names it in errors (an <see cref="OptionException"/>
    /// about that option: "--base DIR: no config.json" on the command line). A file in it that is there but bad is a
    /// <see cref="LepInputException"/> naming the file.</summary>
    public static ModelInput Open(OptionSpec<string> role, string dir)
    {
        if (!System.IO.Directory.Exists(dir)) throw new OptionException(role, $"{dir}: directory not found");
        if (!File.Exists(Path.Combine(dir, "config.json"))) throw new OptionException(role, $"{dir}: no config.json");
        ModelConfig config = ModelConfig.Load(Path.Combine(dir, "config.json"));
        if (!File.Exists(Path.Combine(dir, "tokenizer.json"))) throw new OptionException(role, $"{dir}: no tokenizer.json");
        Tokenizer tokenizer = Tokenizer.Load(dir);
        CheckpointReader weights = CheckpointReader.Open(dir);
        try
        {
            // The whole checkpoint, not only the rows this stage rewrites: every other tensor is copied into the
            // output as it is, and an output that `generate` rejects must not be written with exit 0.
            CheckpointLayout.Validate(config, weights);
            TensorInfo embed = weights.Info(EmbedName);
            TensorInfo? head = config.TieWordEmbeddings ? null : weights.Info(HeadName);
            if (tokenizer.VocabSize > embed.Shape[0])
                throw new OptionException(role, $"{dir}: tokenizer.json has {tokenizer.VocabSize} tokens but the embeddings have only {embed.Shape[0]} rows");
            return new ModelInput(role, dir, config, weights, tokenizer, embed, head);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>Throws unless <paramref name="other"/> has this model's architecture and shapes (same family, any vocabulary).</summary>
    public void RequireSameArchitecture(ModelInput other)
    {
        void Same(string what, object x, object y)
        {
            if (!Equals(x, y)) throw other.Refused($"{what} is {y} but {Role} has {x}: not the same model family");
        }
        Same("architecture", Config.Architecture, other.Config.Architecture);
        Same("hidden_size", Config.HiddenSize, other.Config.HiddenSize);
        Same("num_hidden_layers", Config.NumLayers, other.Config.NumLayers);
        Same("num_attention_heads", Config.NumHeads, other.Config.NumHeads);
        Same("num_key_value_heads", Config.NumKeyValueHeads, other.Config.NumKeyValueHeads);
        Same("intermediate_size", Config.IntermediateSize, other.Config.IntermediateSize);
        Same("tie_word_embeddings", Tied, other.Tied);
    }

    /// <summary>Throws unless <paramref name="other"/> has this model's vocabulary: same vocab_size, same token → id map.</summary>
    public void RequireSameVocabulary(ModelInput other)
    {
        if (Config.VocabSize != other.Config.VocabSize)
            throw other.Refused($"vocab_size is {other.Config.VocabSize} but {Role} has {Config.VocabSize}: not the same vocabulary");
        var mine = Tokenizer.Model.GetVocab();
        var theirs = other.Tokenizer.Model.GetVocab();
        if (mine.Count != theirs.Count || mine.Any(kv => !theirs.TryGetValue(kv.Key, out int id) || id != kv.Value))
            throw other.Refused($"tokenizer.json's vocabulary differs from that of {Role}: the two must share one vocabulary");
    }

    /// <summary>The tensors whose rows are indexed by token id: embed_tokens, and lm_head when untied.</summary>
    public IEnumerable<string> VocabularyTensors => Tied ? [EmbedName] : [EmbedName, HeadName];

    /// <summary>This model refused: "ROLE DIR: problem", the role (and any option inside <paramref name="problem"/>) in
    /// the caller's words.</summary>
    public OptionException Refused(FormattableString problem) =>
        new(Role, FormattableStringFactory.Create(Directory.Replace("{", "{{").Replace("}", "}}") + ": " + problem.Format, problem.GetArguments()));

    public void Dispose() => Weights.Dispose();
}
