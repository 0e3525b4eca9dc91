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
        var models = SchemaOptions.Create(EvalSchema.Model);
        var suite = SchemaOptions.Create(EvalSchema.Suite);
        var output = new Option<string>("--out") { Description = "output directory: results.json, speed.json, report.md, plots/, runs/ (the resume cache)", Required = true };
        var limit = SchemaOptions.Create(EvalSchema.Limit);
        var shots = SchemaOptions.Create(EvalSchema.Shots);
        var batch = SchemaOptions.Create(EvalSchema.BatchSize);
        var maxNew = SchemaOptions.Create(EvalSchema.MaxNewTokens);
        var prompt = SchemaOptions.Create(EvalSchema.Prompt);
        var noSpeed = SchemaOptions.Create(EvalSchema.NoSpeed);
        var speedPrompts = SchemaOptions.Create(EvalSchema.SpeedPrompts);
        var speedTokens = SchemaOptions.Create(EvalSchema.SpeedTokens);
        var speedTask = SchemaOptions.Create(EvalSchema.SpeedTask);
        var heldOutOnly = SchemaOptions.Create(EvalSchema.HeldOutOnly);
        var device = DeviceOption.Create();
        var backend = new BackendOptions();
        var force = ForceOption.Create();
        var command = new Command("eval", "Evaluate models side by side on a task suite: accuracy, chrF, ROUGE-L, bits/char, speed; writes a report with plots.")
            { models, suite, output, limit, shots, batch, maxNew, prompt, noSpeed, speedPrompts, speedTokens, speedTask, heldOutOnly, device, force };
        foreach (Option o in backend.All) command.Options.Add(o);
        CommandAction.Set(command, parse =>
        {
            var options = new EvalOptions
            {
                Limit = parse.GetValue(limit),
                Shots = parse.GetValue(shots),
                BatchSize = parse.GetValue(batch),
                MaxNewTokens = parse.GetValue(maxNew),
                Prompt = EvalSchema.ParsePrompt(parse.GetValue(prompt)!),
                Speed = !parse.GetValue(noSpeed),
                SpeedPrompts = parse.GetValue(speedPrompts),
                SpeedTokens = parse.GetValue(speedTokens),
                SpeedTask = parse.GetValue(speedTask),
                Backend = backend.Get(parse),
            };
            options.Validate();
            var pairs = ParseModels(parse.GetValue(models)!);
            string outDir = parse.GetValue(output)!;
            parse.CheckResumableOutput(force, outDir, Formats.OutputKind.ResumableDirectory, Evaluator.IsOutputDirectory,
                [.. pairs.Select(p => p.Dir), parse.GetValue(suite)]);
            IReadOnlyList<EvalTask> tasks = SuiteLoader.Load(parse.GetValue(suite)!);
            if (parse.GetValue(heldOutOnly)) tasks = SuiteLoader.HeldOutOnly(tasks, parse.GetValue(suite)!);
            var dev = ComputeDevice.Resolve(parse.GetValue(device)!);
            ComputeDevice.UseAllCores();
            EvalResults results = new Evaluator(options, new ConsoleJobUi()).Run(pairs, tasks, outDir, dev);
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
