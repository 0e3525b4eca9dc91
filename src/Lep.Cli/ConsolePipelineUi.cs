using Lep.Cli.Commands;
using Lep.Pipeline;

namespace Lep.Cli;

/// <summary>A job's progress (<see cref="ConsoleJobUi"/>) plus stage headers and summaries on stdout: `lep pipeline
/// run` and `lep demo`.</summary>
internal sealed class ConsolePipelineUi : ConsoleJobUi, IPipelineUi
{
    public void StageStarting(StagePlan stage, int number, int count) =>
        Console.WriteLine($"[{number}/{count}] {stage.Stage.Name} ({stage.Stage.Kind.Name}): {stage.StateName} — {stage.Reason}");

    public void StageFinished(StagePlan stage, int number, int count, StageRunRecord record) =>
        Console.WriteLine(record.Failed
            ? $"[{number}/{count}] {stage.Stage.Name}: failed after {PipelineCommand.Seconds(record.Seconds)}"
            : $"[{number}/{count}] {stage.Stage.Name}: done in {PipelineCommand.Seconds(record.Seconds)} — {record.Summary}");
}
