using System.CommandLine;
using Lep.Evaluation;
using Lep.Evaluation.Prompts;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Runtime;

namespace Lep.Cli.Commands;

public static class EvalCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model")
        {
            Description = "a model directory (HF format with tokenizer.json), optionally NAME=DIR; repeat for side by side (the first is the speed baseline)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var suite = new Option<string>("--suite") { Description = "a task file (.jsonl, .json, .txt) or a directory of them (see docs/eval.md)", Required = true };
        var output = new Option<string>("--out") { Description = "output directory: results.json, speed.json, report.md, plots/, runs/ (the resume cache)", Required = true };
        var limit = new Option<int?>("--limit") { Description = "score at most N items (documents) per task" };
        var shots = new Option<int>("--shots") { Description = "few-shot demonstrations taken from the start of each task file", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "sequences per forward pass when scoring log-likelihoods", DefaultValueFactory = _ => 8 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "cap on generated tokens per reply", DefaultValueFactory = _ => 256 };
        var prompt = new Option<string>("--prompt") { Description = "prompt style: auto (chat template when the model has one), chat, plain", DefaultValueFactory = _ => "auto" };
        prompt.AcceptOnlyFromAmong("auto", "chat", "plain");
        var noSpeed = new Option<bool>("--no-speed") { Description = "skip the generation speed benchmark" };
        var speedPrompts = new Option<int>("--speed-prompts") { Description = "prompts in the speed benchmark", DefaultValueFactory = _ => 4 };
        var speedTokens = new Option<int>("--speed-tokens") { Description = "new tokens per speed prompt", DefaultValueFactory = _ => 64 };
        var device = DeviceOption.Create();
        var backend = new BackendOptions();
        var force = ForceOption.Create();
        var command = new Command("eval", "Evaluate models side by side on a task suite: accuracy, chrF, ROUGE-L, bits/char, speed; writes a report with plots.")
            { models, suite, output, limit, shots, batch, maxNew, prompt, noSpeed, speedPrompts, speedTokens, device, force };
        foreach (Option o in backend.All) command.Options.Add(o);
        CommandAction.Set(command, parse =>
        {
            var options = new EvalOptions
            {
                Limit = parse.GetValue(limit),
                Shots = parse.GetValue(shots),
                BatchSize = parse.GetValue(batch),
                MaxNewTokens = parse.GetValue(maxNew),
                Prompt = PromptFormatters.Parse(parse.GetValue(prompt)!),
                Speed = !parse.GetValue(noSpeed),
                SpeedPrompts = parse.GetValue(speedPrompts),
                SpeedTokens = parse.GetValue(speedTokens),
                Backend = backend.Get(parse),
            };
            options.Validate();
            var pairs = ParseModels(parse.GetValue(models)!);
            string outDir = parse.GetValue(output)!;
            Formats.OutputTarget.Check(outDir, Formats.OutputKind.ResumableDirectory, parse.GetValue(force),
                [.. pairs.Select(p => p.Dir), parse.GetValue(suite)], Evaluator.IsOutputDirectory);
            IReadOnlyList<EvalTask> tasks = SuiteLoader.Load(parse.GetValue(suite)!);
            var dev = ComputeDevice.Resolve(parse.GetValue(device)!);
            ComputeDevice.UseAllCores();
            EvalResults results = new Evaluator(options, new ConsoleEvalUi()).Run(pairs, tasks, outDir, dev);
            Console.WriteLine($"wrote {Path.Combine(outDir, "report.md")}: {results.Models.Count} model(s) × {results.Tasks.Count} task(s)");
            foreach (var m in results.Models)
            {
                var (score, n) = results.MicroAverage(m.Name);
                if (n > 0) Console.WriteLine($"  {m.Name}: micro-average {score:F3} over {n} items");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>DIR or NAME=DIR; names default to the directory name, made unique with a numeric suffix.</summary>
    internal static List<(string Name, string Dir)> ParseModels(IEnumerable<string> specs)
    {
        var list = new List<(string, string)>();
        var used = new HashSet<string>();
        foreach (string spec in specs)
        {
            int eq = spec.IndexOf('=');
            string dir = eq > 0 && !Directory.Exists(spec) ? spec[(eq + 1)..] : spec;
            string name = eq > 0 && !Directory.Exists(spec) ? spec[..eq] : Path.GetFileName(Path.GetFullPath(spec).TrimEnd('/'));
            string unique = name;
            for (int k = 2; !used.Add(unique); k++) unique = $"{name}-{k}";
            list.Add((unique, dir));
        }
        return list;
    }
}
