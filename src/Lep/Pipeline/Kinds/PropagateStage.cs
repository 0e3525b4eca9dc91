using Lep.Adaptation.Propagation;

namespace Lep.Pipeline.Kinds;

/// <summary>"propagate": LEP — the instruct model with the donor's vocabulary (`lep propagate`).</summary>
public sealed class PropagateStage : StageKind
{
    public override string Name => "propagate";
    public override string Description => "Learned Embedding Propagation: the instruct model with the donor's vocabulary (lep propagate)";

    public override StageAction Bind(StageOptions o)
    {
        string baseDir = o.Path("base");
        string instruct = o.Path("instruct");
        string donor = o.Path("donor");
        string mode = o.Choice("mode", "conversion", "swap", "overlap", "conversion", "sum", "cooccurrence", "bypass");
        string compat = o.Choice("compat", "none", "none", "ruadapt");
        string? corpus = o.OptionalPath("corpus");
        string precision = o.Choice("precision", "fp64", "fp64", "mixed");
        bool save = o.Flag("save-projection");
        if (mode == "cooccurrence" && corpus is null) o.Error("corpus", "required with \"mode\": \"cooccurrence\"");
        return ctx =>
        {
            var options = new PropagationOptions
            {
                Base = baseDir, Instruct = instruct, Donor = donor, Output = ctx.Output,
                Mode = Enum.Parse<PropagationMode>(mode, ignoreCase: true), Corpus = corpus,
                Compat = Enum.Parse<PropagationCompat>(compat, ignoreCase: true),
                Precision = precision == "mixed" ? FitPrecision.Mixed : FitPrecision.Float64, SaveProjections = save,
            };
            PropagationResult r = ctx.Step("propagating", p => Propagator.Run(options, p));
            foreach (string w in r.Warnings) ctx.Ui.Note($"warning: {ctx.Name}: {w}");
            string fits = string.Join(", ", r.Matrices.Select(m => m.RelativeResidual is double res ? $"{m.Tensor} residual {res:0.000e0}" : $"{m.Tensor} swapped"));
            return $"mode {mode}{(compat == "none" ? "" : $" ({compat} reading)")}, {r.Rows:N0} rows ({fits}), {r.CopiedFromInstruct} special rows from the instruct model, {r.CopiedTensors} tensors copied";
        };
    }
}
