using System.Text.Json.Nodes;
using Lep.Options;

namespace Lep.Pipeline;

/// <summary>What a run does with a stage.</summary>
public enum StageState
{
    /// <summary>Finished with the same options and inputs: nothing to do.</summary>
    Skip,
    /// <summary>Never ran (or left nothing reusable): runs from scratch.</summary>
    Run,
    /// <summary>An interrupted run of a stage that keeps its state (training, eval): continues.</summary>
    Resume,
    /// <summary>Finished, but forced or an input it read was (or is about to be) replaced: runs again from scratch.</summary>
    Rerun,
    /// <summary>Ran with other options: the run refuses unless the stage is forced.</summary>
    Changed,
    /// <summary>Outside --only/--from.</summary>
    NotSelected,
}

/// <summary>Which stages a run covers: all (default), <see cref="Only"/> these, or <see cref="From"/> one to the end;
/// <see cref="Force"/>d stages run from scratch even when finished or changed.</summary>
public sealed record PipelineSelection
{
    /// <summary>Run only these stages (their inputs must have finished).</summary>
    public IReadOnlyList<string> Only { get; init; } = [];
    /// <summary>Run this stage and every later one.</summary>
    public string? From { get; init; }
    /// <summary>Run these stages again from scratch (and the later stages that use them).</summary>
    public IReadOnlyList<string> Force { get; init; } = [];
}

internal sealed record StagePlan(PipelineStage Stage, StageState State, string Reason, StageMarker? Marker)
{
    public bool WillRun => State is StageState.Run or StageState.Resume or StageState.Rerun;

    /// <summary>"skip", "run", "resume", "rerun", "changed" or "not selected".</summary>
    public string StateName => State == StageState.NotSelected ? "not selected" : State.ToString().ToLowerInvariant();
}

/// <summary>
/// Decides per stage: skip / run / resume / rerun, from its artifact dir's stage.json (<see cref="StageMarker"/>):
/// done with the same options hash and the same input run ids → skip; options changed → refuse unless forced; an
/// input re-run (or about to be) → rerun; interrupted → resume (kinds that keep state) or run. All problems (changed
/// options, missing inputs, selected stages needing unfinished unselected ones) are collected before anything runs.
/// </summary>
public sealed class PipelinePlan
{
    /// <summary>The pipeline the plan is for.</summary>
    public required PipelineDefinition Pipeline { get; init; }
    internal IReadOnlyList<StagePlan> Stages { get; init; } = [];
    /// <summary>Reasons the run must not start.</summary>
    public required IReadOnlyList<string> Problems { get; init; }
    /// <summary>Things the user should know that do not stop the run.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Decides what a run of <paramref name="pipeline"/> does with each stage, collecting every problem.</summary>
    /// <param name="checkInputs">check that the input paths outside the work dir of the stages that will run exist</param>
    public static PipelinePlan Create(PipelineDefinition pipeline, PipelineSelection? selection = null, bool checkInputs = true)
    {
        selection ??= new PipelineSelection();
        string file = pipeline.FilePath;
        foreach (string name in selection.Only.Concat(selection.Force).Concat(selection.From is null ? [] : [selection.From]))
            if (pipeline.Find(name) is null)
                throw new LepInputException(file, $"no stage named '{name}' (stages: {string.Join(", ", pipeline.Stages.Select(s => s.Name))})");
        if (selection.Only.Count > 0 && selection.From is not null) throw new ArgumentException("use --only or --from, not both");

        int from = selection.From is null ? 0 : pipeline.Find(selection.From)!.Index;
        bool Selected(PipelineStage s) => selection.Only.Count > 0 ? selection.Only.Contains(s.Name) : s.Index >= from;
        foreach (string f in selection.Force)
            if (!Selected(pipeline.Find(f)!)) throw new ArgumentException($"--force {f}: the stage is not among the selected stages (--only/--from)");

        var plans = new List<StagePlan>();
        var problems = new List<string>();
        var warnings = new List<string>();
        var willChange = new HashSet<string>(StringComparer.Ordinal);
        var runIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);

        foreach (PipelineStage stage in pipeline.Stages)
        {
            StageMarker? marker = StageMarker.TryRead(stage.ArtifactDirectory, stage.Name);
            var (state, reason) = Decide(stage, marker, selection.Force.Contains(stage.Name), willChange, runIds);
            if (marker is { Done: true }) done.Add(stage.Name);

            if (!Selected(stage))
            {
                if (state == StageState.Changed && marker is { Done: true })
                    warnings.Add($"stage '{stage.Name}' (not selected) ran with other options ({reason}); later stages use the artifact it has");
                reason = marker is { Done: true } ? "done" : marker is null ? "not run yet" : "interrupted";
                state = StageState.NotSelected;
            }
            else if (state == StageState.Changed)
            {
                problems.Add($"stage '{stage.Name}': options changed since it ran ({reason}); add --force {stage.Name} to run it again " +
                             "with the new options (the stages after it that use it then run again too)");
            }

            var plan = new StagePlan(stage, state, reason, marker);
            plans.Add(plan);
            if (plan.WillRun || state == StageState.Changed)
            {
                if (state != StageState.Resume || marker is null) willChange.Add(stage.Name);
                else runIds[stage.Name] = marker.RunId;
                foreach (string dep in stage.Dependencies)
                    if (plans.First(p => p.Stage.Name == dep).State == StageState.NotSelected && !done.Contains(dep))
                        problems.Add($"stage '{stage.Name}' needs '{dep}', which has not finished and is not selected (drop --only/--from, or run '{dep}' first)");
                if (checkInputs)
                {
                    foreach (StageInput input in stage.ExternalInputs)
                        if (!File.Exists(input.Path) && !Directory.Exists(input.Path))
                            problems.Add($"stage '{stage.Name}': option '{input.Option}': {input.Path} does not exist");
                    foreach (StageInput device in stage.Devices)
                    {
                        try
                        {
                            Runtime.ComputeDevice.Resolve(device.Path);
                        }
                        catch (OptionException e)
                        {
                            problems.Add($"stage '{stage.Name}': {StageOptions.Describe(e)}");
                        }
                    }
                }
            }
            else if (marker is not null)
            {
                runIds[stage.Name] = marker.RunId;
            }
        }
        return new PipelinePlan { Pipeline = pipeline, Stages = plans, Problems = problems, Warnings = warnings };
    }

    /// <summary>
    /// A front-end's plan (`lep demo`, `lep zoo build`): stages an earlier run made with other settings are refused,
    /// naming them, unless <paramref name="rerunChanged"/>, which runs exactly those again (and what depends on them).
    /// </summary>
    /// <param name="refuse">the error for the changed stages, given "STAGE: what changed[; also …]"</param>
    public static PipelinePlan RefusingChanged(PipelineDefinition pipeline, bool rerunChanged, Func<string, Exception> refuse)
    {
        PipelinePlan plan = Create(pipeline);
        var changed = plan.Stages.Where(s => s.State == StageState.Changed).ToList();
        if (changed.Count == 0) return plan;
        if (!rerunChanged)
            throw refuse($"{changed[0].Stage.Name}: {changed[0].Reason}" +
                (changed.Count > 1 ? $"; also {string.Join(", ", changed.Skip(1).Select(s => s.Stage.Name))}" : ""));
        return Create(pipeline, new PipelineSelection { Force = changed.Select(s => s.Stage.Name).ToList() });
    }

    private static (StageState, string) Decide(PipelineStage stage, StageMarker? marker, bool forced,
        HashSet<string> willChange, Dictionary<string, string> runIds)
    {
        bool exists = Directory.Exists(stage.ArtifactDirectory);
        if (forced) return exists ? (StageState.Rerun, "forced") : (StageState.Run, "not run yet (forced)");
        if (marker is null)
        {
            if (exists && stage.Kind.Writing == StageWriting.InPlace) return (StageState.Resume, "unfinished: resuming");
            return (StageState.Run, exists ? "unfinished: starting over" : "not run yet");
        }
        if (marker.OptionsHash != stage.OptionsHash) return (StageState.Changed, DescribeChanges(marker.Options, stage.Options));
        foreach (string dep in stage.Dependencies)
        {
            if (willChange.Contains(dep)) return (StageState.Rerun, $"'{dep}' runs before it");
            if (!marker.Inputs.TryGetValue(dep, out string? id) || !runIds.TryGetValue(dep, out string? current) || id != current)
                return (StageState.Rerun, $"'{dep}' was run again since");
        }
        if (marker.Done) return (StageState.Skip, "done");
        return stage.Kind.Writing == StageWriting.InPlace
            ? (StageState.Resume, "interrupted: resuming")
            : (StageState.Run, "interrupted: starting over");
    }

    /// <summary>"lr 0.001 → 0.002, steps (unset) → 10".</summary>
    public static string DescribeChanges(JsonObject before, JsonObject after)
    {
        var keys = before.Select(kv => kv.Key).Union(after.Select(kv => kv.Key)).Order(StringComparer.Ordinal);
        var parts = new List<string>();
        foreach (string k in keys)
        {
            string a = before[k]?.ToJsonString() ?? "(unset)";
            string b = after[k]?.ToJsonString() ?? "(unset)";
            if (a != b) parts.Add($"{k} {Short(a)} → {Short(b)}");
        }
        return parts.Count == 0 ? "the stage kind changed" : string.Join(", ", parts);
        static string Short(string s) => s.Length > 60 ? s[..57] + "..." : s;
    }

    /// <summary>Throws a <see cref="LepInputException"/> listing every problem, if there are any.</summary>
    public void ThrowIfProblems()
    {
        if (Problems.Count > 0) throw PipelineDefinition.Fail(Pipeline.FilePath, Problems);
    }
}
