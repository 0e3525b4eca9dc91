using Lep.Adaptation.EmbeddingInit;

namespace Lep.Pipeline.Kinds;

/// <summary>"init": the donor — the base model with a new vocabulary's rows initialised (`lep init`).</summary>
internal sealed class InitStage : StageKind
{
    public override string Name => "init";
    public override string Description => "the donor: the base model with the new vocabulary's embedding/head rows initialised (lep init)";

    public override StageAction Bind(StageOptions o)
    {
        var options = new InitOptions
        {
            Base = o.Get(InitSchema.Base), Tokenizer = o.Get(InitSchema.Tokenizer), Output = "",
            Method = InitSchema.ParseMethod(o.Get(InitSchema.Method)), Head = InitSchema.ParseHead(o.Get(InitSchema.Head)),
            Seed = o.Get(InitSchema.Seed), WMeanDecay = o.Get(InitSchema.WMeanDecay), OmpAtoms = o.Get(InitSchema.OmpAtoms),
        };
        return ctx =>
        {
            InitResult r = ctx.Step("initialising", p => EmbeddingInitializer.Run(options with { Output = ctx.Output }, p));
            return $"{r.Rows:N0} rows ({string.Join(", ", r.ByMethod.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}), {r.CopiedTensors} tensors copied";
        };
    }
}
