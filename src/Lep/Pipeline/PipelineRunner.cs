using System.Diagnostics;
using Lep.Formats;
using Lep.Options;

namespace Lep.Pipeline;

/// <summary>A stage's part in a run: what was done and how long it took (0 for skipped stages).</summary>
public sealed record StageRunRecord(string Stage, string Kind, StageState State, double Seconds, string? Summary, bool Failed = false);

/// <summary>What a pipeline run did.</summary>
/// <param name="Stages">what each stage did, in order</param>
/// <param name="Seconds">wall time of the run</param>
public sealed record PipelineRunResult(IReadOnlyList<StageRunRecord> Stages, double Seconds);

/// <summary>
/// Runs a <see cref="PipelinePlan"/>: each stage that runs gets a fresh (or, resuming, its existing) artifact dir
/// under the work dir, a "running" stage.json first and a "done" one when its artifact is complete. Staged kinds
/// write to a temp dir that is renamed into place together with the done marker; in-place kinds (training, eval)
/// resume from what they left. One run at a time per work dir (a lock file).
/// </summary>
public sealed class PipelineRunner
{
    private readonly IPipelineUi _ui;

    /// <summary>A runner that reports nothing while it runs; the result lists what each stage did.</summary>
    public PipelineRunner() : this(null)
    {
    }

    internal PipelineRunner(IPipelineUi? ui)
    {
        _ui = ui ?? SilentPipelineUi.Instance;
    }

    /// <summary>The file in the work dir that keeps a second run of the same pipeline out.</summary>
    public const string LockFileName = ".lock";

    /// <summary>Runs the stages the plan says will run, in order; a failed stage stops the run.</summary>
    public PipelineRunResult Run(PipelinePlan plan, CancellationToken cancellation = default)
    {
        plan.ThrowIfProblems();
        var clock = Stopwatch.StartNew();
        string work = plan.Pipeline.WorkDirectory;
        Directory.CreateDirectory(work);
        using FileStream _ = Lock(plan.Pipeline.FilePath, work);
        var records = new List<StageRunRecord>();
        int count = plan.Stages.Count;
        for (int i = 0; i < count; i++)
        {
            StagePlan sp = plan.Stages[i];
            if (!sp.WillRun)
            {
                records.Add(new StageRunRecord(sp.Stage.Name, sp.Stage.Kind.Name, sp.State, 0, sp.Marker?.Summary));
                continue;
            }
            cancellation.ThrowIfCancellationRequested();
            _ui.StageStarting(sp, i + 1, count);
            var stageClock = Stopwatch.StartNew();
            StageRunRecord record;
            try
            {
                string summary = RunStage(plan.Pipeline, sp, cancellation);
                record = new StageRunRecord(sp.Stage.Name, sp.Stage.Kind.Name, sp.State, stageClock.Elapsed.TotalSeconds, summary);
            }
            catch (Exception e)
            {
                record = new StageRunRecord(sp.Stage.Name, sp.Stage.Kind.Name, sp.State, stageClock.Elapsed.TotalSeconds, null, Failed: true);
                _ui.StageFinished(sp, i + 1, count, record);
                // A job refusing an option names it; here that is the stage's key, not the command line's flag.
                if (e is OptionException refused)
                    throw new LepInputException(plan.Pipeline.FilePath, $"stage '{sp.Stage.Name}': {StageOptions.Describe(refused)}", refused);
                throw;
            }
            records.Add(record);
            _ui.StageFinished(sp, i + 1, count, record);
        }
        return new PipelineRunResult(records, clock.Elapsed.TotalSeconds);
    }

    private string RunStage(PipelineDefinition pipeline, StagePlan sp, CancellationToken cancellation)
    {
        PipelineStage stage = sp.Stage;
        string dir = stage.ArtifactDirectory;
        bool resume = sp.State == StageState.Resume;
        RemoveTemporaries(pipeline.WorkDirectory, stage.Name);
        if (!resume)
        {
            DeletePath(dir);
            foreach (string scratch in stage.Kind.ScratchPaths(dir)) DeletePath(scratch);
        }

        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string dep in stage.Dependencies)
        {
            StageMarker? m = StageMarker.TryRead(Path.Combine(pipeline.WorkDirectory, dep), dep);
            if (m is not { Done: true }) throw new LepInputException(pipeline.FilePath, $"stage '{stage.Name}' needs '{dep}', which has not finished");
            inputs[dep] = m.RunId;
        }
        var marker = new StageMarker
        {
            Stage = stage.Name, Kind = stage.Kind.Name, Done = false,
            RunId = resume && sp.Marker is { } old ? old.RunId : StageMarker.NewRunId(),
            Options = stage.Options, OptionsHash = stage.OptionsHash, Inputs = inputs, Started = DateTimeOffset.UtcNow,
        };
        Directory.CreateDirectory(dir);
        marker.Write(dir);

        var clock = Stopwatch.StartNew();
        StageMarker Finished(string summary) => marker with
        {
            Done = true,
            Finished = DateTimeOffset.UtcNow,
            Seconds = clock.Elapsed.TotalSeconds,
            Summary = summary,
        };
        if (stage.Kind.Writing == StageWriting.Staged)
        {
            using var staging = new StagingDirectory(dir, replace: true);
            string summary = stage.Action(Context(stage, staging.Path, resume, cancellation));
            Finished(summary).Write(staging.Path);
            staging.Commit();
            return summary;
        }
        else
        {
            string summary = stage.Action(Context(stage, dir, resume, cancellation));
            Finished(summary).Write(dir);
            return summary;
        }
    }

    private StageContext Context(PipelineStage stage, string output, bool resume, CancellationToken cancellation) => new()
    {
        Name = stage.Name, Output = output, ArtifactDirectory = stage.ArtifactDirectory, Resuming = resume, Ui = _ui, Cancellation = cancellation,
    };

    /// <summary>Temp dirs a killed run of this stage may have left: .NAME.staging-PID (and the library's own nested
    /// staging dirs inside the work dir), NAME.old-PID.</summary>
    private static void RemoveTemporaries(string work, string name)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(work))
        {
            string n = Path.GetFileName(entry);
            if (n.StartsWith($".{name}.staging-", StringComparison.Ordinal) || n.StartsWith($"..{name}.staging-", StringComparison.Ordinal) ||
                n.StartsWith($"{name}.old-", StringComparison.Ordinal))
                DeletePath(entry);
        }
    }

    private static void DeletePath(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else if (File.Exists(path)) File.Delete(path);
    }

    private static FileStream Lock(string file, string work)
    {
        string path = Path.Combine(work, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new LepInputException(file, $"another `lep pipeline run` is using {work} (lock {path})");
        }
    }
}
