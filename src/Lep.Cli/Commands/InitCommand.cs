using System.CommandLine;
using Lep.Adaptation.EmbeddingInit;
using Lep.Formats;

namespace Lep.Cli.Commands;

public static class InitCommand
{
    public static Command Create()
    {
        var baseDir = SchemaOptions.Create(InitSchema.Base);
        var tokenizer = SchemaOptions.Create(InitSchema.Tokenizer);
        var output = new Option<string>("--out", "-o") { Description = "the donor dir to write", Required = true };
        var method = SchemaOptions.Create(InitSchema.Method);
        var head = SchemaOptions.Create(InitSchema.Head);
        var seed = SchemaOptions.Create(InitSchema.Seed);
        var decay = SchemaOptions.Create(InitSchema.WMeanDecay);
        var atoms = SchemaOptions.Create(InitSchema.OmpAtoms);
        var force = ForceOption.Create();
        var command = new Command("init", "Initialise a donor: the base model with a new vocabulary's embedding and head rows (copied, composed from old sub-tokens, or sampled).")
            { baseDir, tokenizer, output, method, head, seed, decay, atoms, force };
        CommandAction.Set(command, parse =>
        {
            bool replace = parse.CheckOutput(force, parse.GetValue(output)!, OutputKind.Directory, parse.GetValue(baseDir), parse.GetValue(tokenizer));
            Runtime.ComputeDevice.UseAllCores();
            var options = new InitOptions
            {
                Base = parse.GetValue(baseDir)!, Tokenizer = parse.GetValue(tokenizer)!, Output = parse.GetValue(output)!, ReplaceOutput = replace,
                Method = InitSchema.ParseMethod(parse.GetValue(method)!), Head = InitSchema.ParseHead(parse.GetValue(head)!),
                Seed = parse.GetValue(seed), WMeanDecay = parse.GetValue(decay), OmpAtoms = parse.GetValue(atoms),
            };
            InitResult r = ConsoleUi.WithProgress("initialising", p => EmbeddingInitializer.Run(options, SyncProgress.Fractions(p)));
            foreach (string w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
            Console.WriteLine($"wrote {r.Output}: {r.Rows} rows ({string.Join(", ", r.ByMethod.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}), " +
                $"{r.CopiedTensors} tensors copied, {r.Seconds:0.0} s; log in init_log.jsonl");
            return ExitCodes.Ok;
        });
        return command;
    }
}
