using Lep.Pipeline.Kinds;

namespace Lep.Pipeline;

/// <summary>How a stage's artifact dir comes into being.</summary>
internal enum StageWriting
{
    /// <summary>The stage writes into a temp dir beside the artifact dir that the runner renames when it succeeds;
    /// an interrupted stage starts over (cheap stages: tokenizers, init, propagation, export).</summary>
    Staged,
    /// <summary>The stage writes into the artifact dir itself and resumes from what an interrupted run left there
    /// (training: its checkpoint in DIR.run/; evaluation: its per-task cache).</summary>
    InPlace,
}

/// <summary>The work of a bound stage: writes into <see cref="StageContext.Output"/>, returns a one-line summary.</summary>
internal delegate string StageAction(StageContext context);

/// <summary>
/// One kind of pipeline stage (tokenizer, init, train, ...). <see cref="Bind"/> reads the stage's options through
/// <see cref="StageOptions"/> (every option it reads is a known option; any other key in the stage is reported as a
/// typo) and returns the action that runs it. Binding must not touch the disk: it runs for every stage before
/// anything runs. Adding a kind = one subclass + one entry in <see cref="StageKindRegistry.Default"/>.
/// </summary>
internal abstract class StageKind
{
    /// <summary>The value of "kind" in the pipeline file.</summary>
    public abstract string Name { get; }

    /// <summary>One line for `lep pipeline show` and docs.</summary>
    public abstract string Description { get; }

    public virtual StageWriting Writing => StageWriting.Staged;

    /// <summary>Paths besides the artifact dir the stage keeps state in (deleted when the stage is re-run from scratch).</summary>
    public virtual IEnumerable<string> ScratchPaths(string artifactDirectory) => [];

    public abstract StageAction Bind(StageOptions options);
}

/// <summary>The stage kinds a pipeline file may use, by name.</summary>
internal sealed class StageKindRegistry
{
    private readonly Dictionary<string, StageKind> _kinds;

    public static StageKindRegistry Default { get; } = new([
        new CorpusStage(), new TasksStage(), new ConcatStage(), new TokenizerStage(), new InitStage(), new TrainStage(), new PropagateStage(),
        new ChatVectorStage(), new MergeStage(), new PromptsStage(), new CalibrateStage(), new EvalSuiteStage(), new EvalStage(), new SelectStage(),
        new ReportStage(), new GgufStage(), new DiagnoseStage(),
        new MixStage(), new ZooTokenizerStage(), new ZooInitStage(), new ZooInstructInitStage(), new InstructTuneStage(), new ZooPublishStage(),
    ]);

    public StageKindRegistry(IEnumerable<StageKind> kinds)
    {
        _kinds = new Dictionary<string, StageKind>(StringComparer.Ordinal);
        foreach (StageKind k in kinds)
            if (!_kinds.TryAdd(k.Name, k)) throw new ArgumentException($"stage kind '{k.Name}' registered twice");
    }

    public IReadOnlyCollection<StageKind> Kinds => _kinds.Values;

    public StageKind? Find(string name) => _kinds.GetValueOrDefault(name);

    /// <summary>A registry with one more kind (or one replaced by name).</summary>
    public StageKindRegistry With(StageKind kind) => new(_kinds.Values.Where(k => k.Name != kind.Name).Append(kind));
}
