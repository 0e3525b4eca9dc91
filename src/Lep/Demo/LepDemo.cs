using Lep.Evaluation.Results;
using Lep.Pipeline;
using Lep.Pipeline.Kinds;
using Lep.Zoo;

namespace Lep.Demo;

internal sealed record DemoOptions
{
    /// <summary>The zoo: a dir holding lep-tiny-base/ and lep-tiny-instruct/.</summary>
    public required string Zoo { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>A corpus dir from `lep data build`; when null the pipeline's corpus stage builds the test profile.</summary>
    public string? CorpusDirectory { get; init; }
    /// <summary>One of the demo pipeline's profiles ("smoke", "full"); null = its default sizes.</summary>
    public string? Profile { get; init; }
    public string Device { get; init; } = Runtime.DeviceSchema.Device.Default;
    /// <summary>Run again the stages of an earlier demo in OUT whose options differ from this one's (else refused).</summary>
    public bool RerunChanged { get; init; }
}

/// <summary>One model of the side-by-side table: its name in the results, its dir, and the vocabulary it has (the
/// tokenizer stage it descends from, or the zoo's own).</summary>
internal sealed record DemoModel(string Name, string Dir, string Vocabulary);

/// <param name="StageSeconds">each stage's seconds when it ran (recorded in its marker, so a resumed demo still
/// reports them), in pipeline order</param>
/// <param name="Selected">the LEP model the select stage chose for calibration</param>
internal sealed record DemoResult(IReadOnlyList<DemoModel> Models, EvalResults Results, IReadOnlyList<(string Stage, double Seconds)> StageSeconds,
    string ReportDirectory, string Calibrated, string Selected, PipelineRunResult Run);

/// <summary>
/// LEP end to end on the zoo pair (DESIGN §1, §3): a front-end over the built-in "demo" pipeline
/// (src/Lep/Pipeline/BuiltIn/demo.json), which holds every stage and size. Runs it in OUT/work with the chosen profile
/// and this zoo / corpus / device, then reads the report stage's results into the demo's table. The stages' markers
/// decide what is done: a changed size re-runs exactly the stages it affects, and only when asked.
/// </summary>
internal sealed class LepDemo(DemoOptions options, IPipelineUi ui)
{
    public const string PipelineName = "demo";
    /// <summary>Stages of demo.json the front-end reads: every model side by side, the choice, the calibrated model.</summary>
    public const string ReportStageName = "eval", SelectStageName = "best", CalibratedStageName = "best-calibrated";
    public const string ZooVocabulary = "zoo BPE";

    public string WorkDirectory => Path.Combine(options.OutputDirectory, "work");

    /// <summary>The demo pipeline with this demo's variables (no process environment: the flags decide).</summary>
    public PipelineDefinition Load()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LEP_ZOO"] = Path.GetFullPath(options.Zoo), ["LEP_DEVICE"] = options.Device,
        };
        if (options.CorpusDirectory is string corpus) variables["LEP_CORPUS"] = Path.GetFullPath(corpus);
        return BuiltInPipelines.Load(PipelineName, new PipelineLoadOptions
        {
            Environment = variables.GetValueOrDefault, Profile = options.Profile, WorkDirectory = WorkDirectory,
        });
    }

    /// <summary>What a run would do. Stages of an earlier demo made with other options are refused unless
    /// <see cref="DemoOptions.RerunChanged"/>, so `--smoke` then the default never mixes toy and real stages.</summary>
    public PipelinePlan Plan(PipelineDefinition pipeline) => PipelinePlan.RefusingChanged(pipeline, options.RerunChanged, changed =>
        new LepInputException(options.OutputDirectory, $"holds a demo made with other settings ({changed}); --force runs those stages again, or use another --out"));

    public DemoResult Run()
    {
        foreach (string model in new[] { ZooModels.BaseName, ZooModels.InstructName })
            if (!File.Exists(Path.Combine(options.Zoo, model, "config.json")))
                throw new LepInputException(Path.Combine(options.Zoo, model), "zoo model missing (expected lep-tiny-base/ and lep-tiny-instruct/ from `lep zoo build`)");
        if (options.CorpusDirectory is string corpus) LepZoo.CheckCorpus(corpus);
        PipelineDefinition pipeline = Load();
        PipelineRunResult run = new PipelineRunner(ui).Run(Plan(pipeline));
        return Read(pipeline, run);
    }

    private static DemoResult Read(PipelineDefinition pipeline, PipelineRunResult run)
    {
        string report = pipeline.Find(ReportStageName)!.ArtifactDirectory;
        EvalResults results = EvalResults.Load(report);
        var models = new List<(DemoModel Model, int Order)>();
        foreach (ModelInfo m in results.Models)
        {
            PipelineStage? stage = StageOf(pipeline, m.Path);
            models.Add((new DemoModel(m.Name, m.Path, stage is null ? ZooVocabulary : Vocabulary(pipeline, stage)), stage?.Index ?? -1));
        }
        var seconds = pipeline.Stages.Select(s => (s.Name, StageMarker.TryRead(s.ArtifactDirectory, s.Name)?.Seconds ?? 0)).ToList();
        return new DemoResult(models.OrderBy(m => m.Order).Select(m => m.Model).ToList(), results, seconds, report,
            pipeline.Find(CalibratedStageName)!.ArtifactDirectory, SelectStage.Selection(pipeline.Find(SelectStageName)!.ArtifactDirectory).Name, run);
    }

    private static PipelineStage? StageOf(PipelineDefinition pipeline, string dir) =>
        pipeline.Stages.FirstOrDefault(s => Path.GetFullPath(s.ArtifactDirectory) == Path.GetFullPath(dir));

    /// <summary>The nearest tokenizer stage upstream (through a select stage: the model it chose).</summary>
    private static string Vocabulary(PipelineDefinition pipeline, PipelineStage model)
    {
        var queue = new Queue<PipelineStage>([model]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (queue.TryDequeue(out PipelineStage? stage))
        {
            if (!seen.Add(stage.Name)) continue;
            if (stage.Kind is TokenizerStage) return stage.Name.StartsWith("tokenizer-", StringComparison.Ordinal) ? stage.Name["tokenizer-".Length..] : stage.Name;
            if (stage.Kind is SelectStage)
            {
                if (StageOf(pipeline, SelectStage.Selection(stage.ArtifactDirectory).Path) is PipelineStage chosen) queue.Enqueue(chosen);
                continue;
            }
            foreach (string dep in stage.Dependencies) queue.Enqueue(pipeline.Find(dep)!);
        }
        return ZooVocabulary;
    }
}
