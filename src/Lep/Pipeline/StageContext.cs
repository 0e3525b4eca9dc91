using Lep.Evaluation;
using Lep.Training;

namespace Lep.Pipeline;

/// <summary>Where a pipeline run reports: a job's progress and notes, and the start and end of each stage.</summary>
internal interface IPipelineUi : IJobUi
{
    void StageStarting(StagePlan stage, int number, int count);

    void StageFinished(StagePlan stage, int number, int count, StageRunRecord record);
}

/// <summary>Reports nothing.</summary>
internal sealed class SilentPipelineUi : SilentUi, IPipelineUi
{
    public static new readonly SilentPipelineUi Instance = new();
    public void StageStarting(StagePlan stage, int number, int count) { }
    public void StageFinished(StagePlan stage, int number, int count, StageRunRecord record) { }
}

/// <summary>What a running stage gets: where to write, and where to report.</summary>
internal sealed class StageContext
{
    public required string Name { get; init; }

    /// <summary>The directory to write the artifact into: a temp dir for <see cref="StageWriting.Staged"/> kinds,
    /// the artifact dir itself for <see cref="StageWriting.InPlace"/> ones.</summary>
    public required string Output { get; init; }

    /// <summary>Where the artifact ends up (what `@NAME` refers to).</summary>
    public required string ArtifactDirectory { get; init; }

    /// <summary>True when an interrupted run of this stage is continued (its state in the artifact dir kept).</summary>
    public bool Resuming { get; init; }

    public required IPipelineUi Ui { get; init; }

    public CancellationToken Cancellation { get; init; }

    /// <summary>Runs work that reports (phase, fraction) under one progress display labelled with the stage name.</summary>
    public T Step<T>(string label, Func<IProgress<(string Stage, double Fraction)>, T> work) =>
        Ui.Step($"{Name}: {label}", p => work(new SyncProgress<(string Stage, double Fraction)>(x => p.Report(x.Fraction))));
}
