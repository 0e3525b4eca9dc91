using Lep.Adaptation.Propagation;

namespace Lep.Pipeline.Kinds;

/// <summary>"propagate": LEP — the instruct model with the donor's vocabulary (`lep propagate`).</summary>
internal sealed class PropagateStage : StageKind
{
    public override string Name => "propagate";
    public override string Description => "Learned Embedding Propagation: the instruct model with the donor's vocabulary (lep propagate)";

    public override StageAction Bind(StageOptions o)
    {
        var options = new PropagationOptions
        {
            Base = o.Get(PropagateSchema.Base), Instruct = o.Get(PropagateSchema.Instruct), Donor = o.Get(PropagateSchema.Donor), Output = "",
            Mode = PropagateSchema.ParseMode(o.Get(PropagateSchema.Mode)), Compat = PropagateSchema.ParseCompat(o.Get(PropagateSchema.Compat)),
            Corpus = o.Get(PropagateSchema.Corpus), Precision = PropagateSchema.ParsePrecision(o.Get(PropagateSchema.Precision)),
            SaveProjections = o.Get(PropagateSchema.SaveProjection),
        };
        o.Check(options.Validate);
        string mode = options.Mode.ToString().ToLowerInvariant(), compat = options.Compat.ToString().ToLowerInvariant();
        return ctx =>
        {
            PropagationResult r = ctx.Step("propagating", p => Propagator.Run(options with { Output = ctx.Output }, p));
            foreach (string w in r.Warnings) ctx.Ui.Note($"warning: {ctx.Name}: {w}");
            string fits = string.Join(", ", r.Matrices.Select(m => m.RelativeResidual is double res ? $"{m.Tensor} residual {res:0.000e0}" : $"{m.Tensor} swapped"));
            return $"mode {mode}{(compat == "none" ? "" : $" ({compat} reading)")}, {r.Rows:N0} rows ({fits}), {r.CopiedFromInstruct} special rows from the instruct model, " +
                $"{r.CopiedTensors} tensors copied";
        };
    }
}
