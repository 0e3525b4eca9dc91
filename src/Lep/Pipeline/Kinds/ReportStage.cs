using Lep.Evaluation.Report;
using Lep.Evaluation.Results;
using Lep.Options;

namespace Lep.Pipeline.Kinds;

/// <summary>"report": `lep report` — several eval stages' results side by side (models in the order given), written
/// as one results.json + speed.json beside report.md and plots/, so one file holds every model.</summary>
internal sealed class ReportStage : StageKind
{
    public override string Name => "report";
    public override string Description => "several evaluations side by side: one results.json, report.md and plots (lep report)";

    public override StageAction Bind(StageOptions o)
    {
        IReadOnlyList<string> inputs = o.Get(ReportSchema.Results);
        return ctx =>
        {
            EvalResults merged = EvalResults.Merge(inputs.Select(EvalResults.Load).ToList());
            merged.Save(ctx.Output);
            ReportWriter.Write(merged, ctx.Output);
            return $"{merged.Models.Count} model(s) × {merged.Tasks.Count} task(s); report.md";
        };
    }
}

