using System.CommandLine;
using System.Text.Json.Nodes;
using Lep.Evaluation;

namespace Lep.Cli.Commands;

public static class DiagnoseCommand
{
    public static Command Create()
    {
        var baseDir = SchemaOptions.Create(DiagnoseSchema.Base);
        var instruct = SchemaOptions.Create(DiagnoseSchema.Instruct);
        var corpus = SchemaOptions.Create(DiagnoseSchema.Corpus);
        var passages = SchemaOptions.Create(DiagnoseSchema.Passages);
        var device = DeviceOption.Create();
        var command = new Command("diagnose", "Will LEP work on this pair? Drift of the instruct model from its base, the base→instruct least-squares residual, and (with " +
            "--corpus) in-context copying of both.")
            { baseDir, instruct, corpus, passages, device };
        CommandAction.Set(command, parse =>
        {
            string b = parse.GetValue(baseDir)!, i = parse.GetValue(instruct)!;
            JsonObject report;
            if (parse.GetValue(corpus) is string dir)
            {
                foreach (string lang in PairDiagnostics.Languages)
                    if (!File.Exists(Path.Combine(dir, $"{lang}_heldout.txt"))) throw new LepInputException(dir, $"no {lang}_heldout.txt (a corpus dir from `lep data build`)");
                report = PairDiagnostics.Measure(dir, b, i, parse.GetValue(passages), parse.GetValue(device)!);
            }
            else report = PairDiagnostics.DriftOnly(b, i);
            Console.WriteLine(report.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            Console.Error.WriteLine(PairDiagnostics.Reading(report));
            return ExitCodes.Ok;
        });
        return command;
    }
}
