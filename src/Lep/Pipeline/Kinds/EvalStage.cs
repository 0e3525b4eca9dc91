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
/// an interrupted evaluation resume.
/// </summary>
public sealed class EvalStage : StageKind
{
    public override string Name => "eval";
    public override string Description => "evaluation of models side by side on a task suite (lep eval); resumes from its cache";
    public override StageWriting Writing => StageWriting.InPlace;

    public override StageAction Bind(StageOptions o)
    {
        if (!o.Has("model")) o.Missing("model", "missing (required: a model dir or a list of them)");
        IReadOnlyList<NamedPath> models = o.NamedPathList("model");
        string suite = o.Path("suite");
        var options = new EvalOptions
        {
            Limit = o.OptionalInt("limit"), Shots = o.Int("shots", 0), BatchSize = o.Int("batch-size", 8),
            MaxNewTokens = o.Int("max-new-tokens", 256), Prompt = PromptFormatters.Parse(o.Choice("prompt", "auto", "auto", "chat", "plain")),
            Speed = !o.Flag("no-speed"), SpeedPrompts = o.Int("speed-prompts", 4), SpeedTokens = o.Int("speed-tokens", 64),
            // The GGUF cache is the user's default one (XDG_CACHE_HOME): where it lies does not change results.
            Backend = InferenceBackend.Parse(o.Choice("backend", InferenceBackend.TorchName, InferenceBackend.Names),
                o.Choice("gguf-type", "q8_0", InferenceBackend.GgufTypeNames)),
        };
        string device = o.Device("device");
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            o.Error(e.Message.Replace("--", ""));
        }
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
