using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Options;
using Lep.Zoo;

namespace Lep.Pipeline.Kinds;

/// <summary>"zoo-init": a Llama with random f32 weights (<see cref="ZooModels.InitializeBase"/>) for the zoo tokenizer
/// of "tokenizer" (a "zoo-tokenizer" stage), sized by the architecture options: what base pre-training starts from.</summary>
internal sealed class ZooInitStage : StageKind
{
    public override string Name => "zoo-init";
    public override string Description => "random weights for a zoo tokenizer: a Llama (untied head) of the given size, f32";

    public override StageAction Bind(StageOptions o)
    {
        string tokenizer = o.Get(ZooInitSchema.Tokenizer);
        var architecture = new ZooArchitecture
        {
            HiddenSize = o.Get(ZooInitSchema.HiddenSize), IntermediateSize = o.Get(ZooInitSchema.IntermediateSize), Layers = o.Get(ZooInitSchema.Layers),
            Heads = o.Get(ZooInitSchema.Heads), KeyValueHeads = o.Get(ZooInitSchema.KeyValueHeads), MaxPositions = o.Get(ZooInitSchema.MaxPositions),
            RopeTheta = o.Get(ZooInitSchema.RopeTheta),
        };
        if (architecture.HiddenSize % architecture.Heads != 0) o.Error(ZooInitSchema.Heads, $"must divide \"hidden-size\" ({architecture.HiddenSize})");
        if (architecture.Heads % architecture.KeyValueHeads != 0) o.Error(ZooInitSchema.KeyValueHeads, $"must divide \"heads\" ({architecture.Heads})");
        int seed = o.Get(ZooInitSchema.Seed);
        return ctx =>
        {
            ModelConfig config = ZooModels.InitializeBase(tokenizer, architecture, seed, ctx.Output);
            return $"{config.VocabSize:N0} tokens, {architecture.Layers} layers × {architecture.HiddenSize}, seed {seed}";
        };
    }
}

/// <summary>The options of the "zoo-init" stage kind.</summary>
internal static class ZooInitSchema
{
    public static readonly OptionSpec<string> Tokenizer = OptionSpec.Path("tokenizer", "a \"zoo-tokenizer\" stage's dir");
    public static readonly OptionSpec<int> HiddenSize = OptionSpec.RequiredInt("hidden-size", "width of the residual stream", min: 1);
    public static readonly OptionSpec<int> IntermediateSize = OptionSpec.RequiredInt("intermediate-size", "width of the SwiGLU feed-forward layer", min: 1);
    public static readonly OptionSpec<int> Layers = OptionSpec.RequiredInt("layers", "decoder layers", min: 1);
    public static readonly OptionSpec<int> Heads = OptionSpec.RequiredInt("heads", "attention heads", min: 1);
    public static readonly OptionSpec<int> KeyValueHeads = OptionSpec.RequiredInt("kv-heads", "key/value heads (grouped-query attention)", min: 1);
    public static readonly OptionSpec<int> MaxPositions = OptionSpec.RequiredInt("max-positions", "context length (max_position_embeddings)", min: 1);
    public static readonly OptionSpec<double> RopeTheta = OptionSpec.Number("rope-theta", 10000, "RoPE base frequency", NumericRange.Positive);
    public static readonly OptionSpec<int> Seed = OptionSpec.Int("seed", 1, "random seed of the weights");
}
