using Lep.Evaluation;
using Lep.Evaluation.Prompts;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Runtime;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "eval": `lep eval` over "model" (one or a list of DIR, NAME=DIR, @STAGE or NAME=@STAGE; an @STAGE model is
/// named after the stage) and a "suite". Writes results.json, report.md, plots/ in place; its per-task cache makes
/// an interrupted evaluation resume.
/// </summary>
public sealed class EvalStage : StageKind
{
    public override string Name => "eval";
    public override string Description => "evaluation of models side by side on a task suite (lep eval); resumes from its cache";
    public override StageWriting Writing => StageWriting.InPlace;

    public override StageAction Bind(StageOptions o)
    {
        IReadOnlyList<NamedPath> models = o.NamedPaths(EvalSchema.Model);
        string suite = o.Get(EvalSchema.Suite);
        var options = new EvalOptions
        {
            Limit = o.Get(EvalSchema.Limit), Shots = o.Get(EvalSchema.Shots), BatchSize = o.Get(EvalSchema.BatchSize),
            MaxNewTokens = o.Get(EvalSchema.MaxNewTokens), Prompt = PromptFormatters.Parse(o.Get(EvalSchema.Prompt)),
            Speed = !o.Get(EvalSchema.NoSpeed), SpeedPrompts = o.Get(EvalSchema.SpeedPrompts), SpeedTokens = o.Get(EvalSchema.SpeedTokens),
        };
        string device = o.Device(DeviceSchema.Device);
        o.Check(options.Validate);
        var pairs = new List<(string Name, string Dir)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (NamedPath m in models)
        {
            string name = m.Name ?? m.Reference ?? Path.GetFileName(m.Path.TrimEnd('/', '\\'));
            string unique = name;
            for (int k = 2; !used.Add(unique); k++) unique = $"{name}-{k}";
            pairs.Add((unique, m.Path));
        }

        return ctx =>
        {
            IReadOnlyList<EvalTask> tasks = SuiteLoader.Load(suite);
            EvalResults results = new Evaluator(options, ctx.Ui).Run(pairs, tasks, ctx.Output, ComputeDevice.Resolve(device));
            var scores = results.Models.Select(m => (m.Name, Avg: results.MicroAverage(m.Name))).Where(x => x.Avg.N > 0)
                .Select(x => $"{x.Name} {x.Avg.Score:0.000}");
            return $"{results.Models.Count} model(s) × {results.Tasks.Count} task(s); micro-average: {string.Join(", ", scores)}; report.md";
        };
    }
}
