using System.CommandLine;
using Lep.Adaptation.Propagation;
using Lep.Formats;

namespace Lep.Cli.Commands;

public static class PropagateCommand
{
    public static Command Create()
    {
        var baseDir = SchemaOptions.Create(PropagateSchema.Base);
        var instruct = SchemaOptions.Create(PropagateSchema.Instruct);
        var donor = SchemaOptions.Create(PropagateSchema.Donor);
        var output = new Option<string>("--out", "-o") { Description = "the dir of the propagated instruct model (I')", Required = true };
        var mode = SchemaOptions.Create(PropagateSchema.Mode);
        var compat = SchemaOptions.Create(PropagateSchema.Compat);
        var corpus = SchemaOptions.Create(PropagateSchema.Corpus);
        var precision = SchemaOptions.Create(PropagateSchema.Precision);
        var force = ForceOption.Create();
        var save = SchemaOptions.Create(PropagateSchema.SaveProjection);
        var command = new Command("propagate", "Learned Embedding Propagation: give the instruct model the donor's vocabulary through a least-squares map from base to instruct " +
            "embeddings.")
            { baseDir, instruct, donor, output, mode, compat, corpus, precision, save, force };
        CommandAction.Set(command, parse =>
        {
            bool replace = parse.CheckOutput(force, parse.GetValue(output)!, OutputKind.Directory,
                parse.GetValue(baseDir), parse.GetValue(instruct), parse.GetValue(donor), parse.GetValue(corpus));
            CorpusInputs.Check(parse.GetValue(corpus));
            Runtime.ComputeDevice.UseAllCores();
            var options = new PropagationOptions
            {
                Base = parse.GetValue(baseDir)!, Instruct = parse.GetValue(instruct)!, Donor = parse.GetValue(donor)!, Output = parse.GetValue(output)!, ReplaceOutput = replace,
                Mode = PropagateSchema.ParseMode(parse.GetValue(mode)!), Corpus = parse.GetValue(corpus),
                Compat = PropagateSchema.ParseCompat(parse.GetValue(compat)!), Precision = PropagateSchema.ParsePrecision(parse.GetValue(precision)!),
                SaveProjections = parse.GetValue(save),
            };
            PropagationResult r = ConsoleUi.WithProgress("propagating", p => Propagator.Run(options, SyncProgress.Fractions(p)));
            foreach (string w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
            foreach (MatrixReport m in r.Matrices)
                Console.WriteLine(m.RelativeResidual is double res
                    ? $"{m.Tensor}: fit on {m.FitRows} rows, relative residual {res:0.0000e0}{(m.Ridge > 0 ? $" (ridge {m.Ridge:E1})" : "")}, {m.Solver}, {m.FitSeconds:0.0} s"
                    : $"{m.Tensor}: swapped (P = identity)");
            Console.WriteLine($"wrote {r.Output}: mode {r.Mode.ToString().ToLowerInvariant()}, {r.Rows} rows ({r.CopiedFromInstruct} special rows from the instruct model, " +
                $"{r.AppendedFromInstruct} appended), {r.CopiedTensors} tensors copied, {r.Seconds:0.0} s; details in propagation.json");
            return ExitCodes.Ok;
        });
        return command;
    }
}
