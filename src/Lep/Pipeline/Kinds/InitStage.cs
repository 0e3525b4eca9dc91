using Lep.Options;
using Lep.Adaptation.EmbeddingInit;

namespace Lep.Pipeline.Kinds;

/// <summary>"init": the donor — the base model with a new vocabulary's rows initialised (`lep init`).</summary>
public sealed class InitStage : StageKind
{
    public override string Name => "init";
    public override string Description => "the donor: the base model with the new vocabulary's embedding/head rows initialised (lep init)";

    public override StageAction Bind(StageOptions o)
    {
        string baseDir = o.Path("base");
        string tokenizer = o.Path("tokenizer");
        string method = o.Choice("method", "mean", "mean", "wmean", "random", "meancov", "omp");
        string head = o.Choice("head", "own", "own", "tie");
        int seed = o.Int("seed", 0);
        double decay = o.Double("wmean-decay", 0.5);
        int atoms = o.Int("omp-atoms", 8);
        if (NumericRange.NonNegative.Problem(decay) is string problem) o.Error("wmean-decay", problem);
        if (atoms < 1) o.Error("omp-atoms", "must be ≥ 1");
        return ctx =>
        {
            var options = new InitOptions
            {
                Base = baseDir, Tokenizer = tokenizer, Output = ctx.Output,
                Method = Enum.Parse<InitMethod>(method, ignoreCase: true), Head = head == "tie" ? HeadInit.Tie : HeadInit.Own,
                Seed = seed, WMeanDecay = decay, OmpAtoms = atoms,
            };
            InitResult r = ctx.Step("initialising", p => EmbeddingInitializer.Run(options, p));
            return $"{r.Rows:N0} rows ({string.Join(", ", r.ByMethod.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}), {r.CopiedTensors} tensors copied";
        };
    }
}
