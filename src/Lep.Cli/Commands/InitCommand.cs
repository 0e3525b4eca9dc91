using System.CommandLine;
using Lep.Adaptation.EmbeddingInit;
using Lep.Formats;

namespace Lep.Cli.Commands;

public static class InitCommand
{
    public static Command Create()
    {
        var baseDir = new Option<string>("--base") { Description = "the base model dir (B)", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "the new tokenizer: a tokenizer.json or a dir holding one (with its tokenizer_config.json)", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "the donor dir to write", Required = true };
        var method = new Option<string>("--method") { Description = "rows of new tokens: mean (default), wmean, random, meancov (baseline), omp (baseline)", DefaultValueFactory = _ => "mean" };
        method.AcceptOnlyFromAmong("mean", "wmean", "random", "meancov", "omp");
        var head = new Option<string>("--head") { Description = "lm_head rows of new tokens: own (the method on the old head rows) or tie (the input embedding's vector)", DefaultValueFactory = _ => "own" };
        head.AcceptOnlyFromAmong("own", "tie");
        var seed = new Option<int>("--seed") { Description = "seed of random/meancov draws", DefaultValueFactory = _ => 0 };
        var decay = new Option<double>("--wmean-decay") { Description = "m in w_i ∝ exp(−m·i) for wmean", DefaultValueFactory = _ => 0.5 };
        var atoms = new Option<int>("--omp-atoms") { Description = "shared tokens per new token for omp", DefaultValueFactory = _ => 8 };
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
                Method = Enum.Parse<InitMethod>(parse.GetValue(method)!, ignoreCase: true),
                Head = parse.GetValue(head) == "tie" ? HeadInit.Tie : HeadInit.Own,
                Seed = parse.GetValue(seed), WMeanDecay = parse.GetValue(decay), OmpAtoms = parse.GetValue(atoms),
            };
            InitResult r = ConsoleUi.WithProgress("initialising", p => EmbeddingInitializer.Run(options, SyncProgress.Fractions(p)));
            foreach (string w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
            Console.WriteLine($"wrote {r.Output}: {r.Rows} rows ({string.Join(", ", r.ByMethod.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}), {r.CopiedTensors} tensors copied, {r.Seconds:0.0} s; log in init_log.jsonl");
            return ExitCodes.Ok;
        });
        return command;
    }
}
