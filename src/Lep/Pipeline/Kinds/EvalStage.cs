using Lep.Evaluation;
using Lep.Evaluation.Prompts;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Modeling;
using Lep.Runtime;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "eval": `lep eval` over "model" (one or a list of DIR, NAME=DIR, @STAGE or NAME=@STAGE; an @STAGE model is
/// named after the stage) and a "suite". Writes results.json, report.md, plots/ in place; its per-task cache makes
/// an interrupted evaluation resume. "heldout-only": true measures only the suite's held-out texts (bits/char,
/// chars/token): for base-like models, which have no chat template and so never stop answering an instruction.
/// </summary>
internal sealed class EvalStage : StageKind
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
            MaxNewTokens = o.Get(EvalSchema.MaxNewTokens), Prompt = EvalSchema.ParsePrompt(o.Get(EvalSchema.Prompt)),
            Speed = !o.Get(EvalSchema.NoSpeed), SpeedPrompts = o.Get(EvalSchema.SpeedPrompts), SpeedTokens = o.Get(EvalSchema.SpeedTokens),
            SpeedTask = o.Get(EvalSchema.SpeedTask),
            // Where the GGUF cache lies does not change results (see HowItRuns below).
            Backend = InferenceBackend.Parse(o.Get(BackendSchema.Backend), o.Get(BackendSchema.GgufType), o.Get(BackendSchema.GgufCache)),
        };
        bool heldOutOnly = o.Get(EvalSchema.HeldOutOnly);
        o.HowItRuns(BackendSchema.GgufCache);
        string device = o.Device(DeviceSchema.Device);
        o.Check(options.Validate);
        IReadOnlyList<(string Name, string Dir)> pairs = Named(models);

        return ctx =>
        {
            IReadOnlyList<EvalTask> tasks = SuiteLoader.Load(suite);
            if (heldOutOnly) tasks = SuiteLoader.HeldOutOnly(tasks, suite);
            EvalResults results = new Evaluator(options, ctx.Ui).Run(pairs, tasks, ctx.Output, ComputeDevice.Resolve(device));
            var scores = results.Models.Select(m => (m.Name, Avg: results.MicroAverage(m.Name))).Where(x => x.Avg.N > 0)
                .Select(x => $"{x.Name} {x.Avg.Score:0.000}").ToList();
            return $"{results.Models.Count} model(s) × {results.Tasks.Count} task(s); " +
                   (scores.Count > 0 ? $"micro-average: {string.Join(", ", scores)}; " : "") + "report.md";
        };
    }

    /// <summary>The models' names in results: NAME=…, else the stage an @STAGE names, else the dir's name; made
    /// unique with a numeric suffix.</summary>
    internal static IReadOnlyList<(string Name, string Dir)> Named(IReadOnlyList<NamedPath> models)
    {
        var pairs = new List<(string Name, string Dir)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (NamedPath m in models)
        {
            string name = m.Name ?? m.Reference ?? Path.GetFileName(m.Path.TrimEnd('/', '\\'));
            string unique = name;
            for (int k = 2; !used.Add(unique); k++) unique = $"{name}-{k}";
            pairs.Add((unique, m.Path));
        }
        return pairs;
    }
}
