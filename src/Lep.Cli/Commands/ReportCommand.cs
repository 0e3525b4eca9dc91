using System.CommandLine;
using Lep.Evaluation.Report;
using Lep.Evaluation.Results;

namespace Lep.Cli.Commands;

public static class ReportCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("RESULTS")
        {
            Description = "results.json files (or `lep eval` output dirs); their models are shown side by " +
            "side", Arity = ArgumentArity.OneOrMore
        };
        var output = new Option<string>("--out") { Description = "directory for report.md and plots/", Required = true };
        var force = ForceOption.Create();
        var command = new Command("report", "Re-render report.md and plots from one or more `lep eval` results.") { inputs, output, force };
        CommandAction.Set(command, parse =>
        {
            string outDir = parse.GetValue(output)!;
            parse.CheckOutput(force, outDir, Formats.OutputKind.ResumableDirectory, parse.GetValue(inputs)!);
            var runs = parse.GetValue(inputs)!.Select(EvalResults.Load).ToList();
            EvalResults merged = EvalResults.Merge(runs);
            var files = ReportWriter.Write(merged, outDir);
            Console.WriteLine($"wrote {files[0]} and {files.Count - 1} plot(s): {merged.Models.Count} model(s) × {merged.Tasks.Count} task(s)");
            return ExitCodes.Ok;
        });
        return command;
    }
}
