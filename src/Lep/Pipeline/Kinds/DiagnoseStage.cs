using System.Text.Json.Nodes;
using Lep.Evaluation;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Runtime;

namespace Lep.Pipeline.Kinds;

/// <summary>"diagnose": `lep diagnose` — will LEP work on this pair? The instruct model's drift from its base, the
/// base→instruct residual, and with "corpus" in-context copying of both (<see cref="PairDiagnostics"/>). Writes
/// diagnostics.json.</summary>
internal sealed class DiagnoseStage : StageKind
{
    public const string FileName = "diagnostics.json";

    public override string Name => "diagnose";
    public override string Description => $"a base/instruct pair's drift, residual and in-context copying (lep diagnose): ARTIFACT/{FileName}";

    public override StageAction Bind(StageOptions o)
    {
        string baseModel = o.Get(DiagnoseSchema.Base), instruct = o.Get(DiagnoseSchema.Instruct);
        string? corpus = o.Get(DiagnoseSchema.Corpus);
        int passages = o.Get(DiagnoseSchema.Passages);
        string device = o.Device(DeviceSchema.Device);
        return ctx =>
        {
            JsonObject report = corpus is null
                ? PairDiagnostics.DriftOnly(baseModel, instruct)
                : ctx.Ui.Step($"{ctx.Name}: measuring drift and in-context copying", p => PairDiagnostics.Measure(corpus, baseModel, instruct, passages, device, p));
            JsonFile.Write(Path.Combine(ctx.Output, FileName), report);
            return PairDiagnostics.Reading(report).Split('\n')[0];
        };
    }
}
