using System.CommandLine;
using Lep.Adaptation.Propagation;
using Lep.Formats;

namespace Lep.Cli.Commands;

public static class PropagateCommand
{
    public static Command Create()
    {
        var baseDir = new Option<string>("--base") { Description = "the base model dir (B, old vocabulary)", Required = true };
        var instruct = new Option<string>("--instruct") { Description = "the instruct model dir (I, same vocabulary as B)", Required = true };
        var donor = new Option<string>("--donor") { Description = "the donor dir (D: B with the new vocabulary, trained embeddings)", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "the dir of the propagated instruct model (I')", Required = true };
        var mode = new Option<string>("--mode") { Description = "swap, overlap, conversion (default), sum, cooccurrence or bypass (fit over the whole old vocabulary)", DefaultValueFactory = _ => "conversion" };
        mode.AcceptOnlyFromAmong("swap", "overlap", "conversion", "sum", "cooccurrence", "bypass");
        var compat = new Option<string>("--compat") { Description = "none (default: our corrected reading) or ruadapt (the reference implementation's arithmetic, docs/adaptation.md)", DefaultValueFactory = _ => "none" };
        compat.AcceptOnlyFromAmong("none", "ruadapt");
        var corpus = new Option<string?>("--corpus") { Description = "text tokenised both ways for --mode cooccurrence (.txt or .jsonl)" };
        var precision = new Option<string>("--precision") { Description = "fp64 (default) or mixed (float32 block products summed in float64)", DefaultValueFactory = _ => "fp64" };
        precision.AcceptOnlyFromAmong("fp64", "mixed");
        var force = ForceOption.Create();
        var save = new Option<bool>("--save-projection") { Description = "also write each P (d × d float64, row-major) as projection-*.f64" };
        var command = new Command("propagate", "Learned Embedding Propagation: give the instruct model the donor's vocabulary through a least-squares map from base to instruct embeddings.")
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
                Mode = Enum.Parse<PropagationMode>(parse.GetValue(mode)!, ignoreCase: true), Corpus = parse.GetValue(corpus),
                Compat = Enum.Parse<PropagationCompat>(parse.GetValue(compat)!, ignoreCase: true),
                Precision = parse.GetValue(precision) == "mixed" ? FitPrecision.Mixed : FitPrecision.Float64,
                SaveProjections = parse.GetValue(save),
            };
            PropagationResult r = ConsoleUi.WithProgress("propagating", p => Propagator.Run(options, SyncProgress.Fractions(p)));
            foreach (string w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
            foreach (MatrixReport m in r.Matrices)
                Console.WriteLine(m.RelativeResidual is double res
                    ? $"{m.Tensor}: fit on {m.FitRows} rows, relative residual {res:0.0000e0}{(m.Ridge > 0 ? $" (ridge {m.Ridge:E1})" : "")}, {m.Solver}, {m.FitSeconds:0.0} s"
                    : $"{m.Tensor}: swapped (P = identity)");
            Console.WriteLine($"wrote {r.Output}: mode {r.Mode.ToString().ToLowerInvariant()}, {r.Rows} rows ({r.CopiedFromInstruct} special rows from the instruct model, {r.AppendedFromInstruct} appended), {r.CopiedTensors} tensors copied, {r.Seconds:0.0} s; details in propagation.json");
            return ExitCodes.Ok;
        });
        return command;
    }
}
