using System.CommandLine;
using System.Diagnostics;
using Lep.Demo;
using Lep.Evaluation.Results;

namespace Lep.Cli.Commands;

/// <summary>
/// The README's main job: LEP end to end on the shipped zoo pair — the built-in "demo" pipeline, run by
/// <see cref="LepDemo"/> — then the side-by-side table of every model and the stage times.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = SchemaOptions.Create(DemoSchema.Out);
        var zoo = SchemaOptions.Create(DemoSchema.Zoo);
        var corpus = SchemaOptions.Create(DemoSchema.Corpus);
        var smoke = SchemaOptions.Create(DemoSchema.Smoke);
        var full = SchemaOptions.Create(DemoSchema.Full);
        var device = DeviceOption.Create();
        var force = ForceOption.Create();
        var command = new Command("demo", "Learned Embedding Propagation end to end on the tiny zoo pair: Russian vocabularies, donors, propagation in every mode, calibration, " +
            "side-by-side evaluation (~15 min on 2 cores).")
            { output, zoo, corpus, smoke, full, device, force };
        command.Validators.Add(r =>
        {
            if (r.GetValue(smoke) && r.GetValue(full)) r.AddError("--smoke and --full are exclusive");
        });
        CommandAction.Set(command, parse =>
        {
            // An earlier demo's dir (its work/ stages) is resumed; any other non-empty dir needs --force, and so do
            // stages an earlier demo made with other settings (--force runs them again).
            parse.CheckResumableOutput(force, parse.GetValue(output)!, Formats.OutputKind.ResumableDirectory, dir => Directory.Exists(Path.Combine(dir, "work")),
                parse.GetValue(zoo), parse.GetValue(corpus));
            Runtime.ComputeDevice.UseAllCores();
            var clock = Stopwatch.StartNew();
            var options = new DemoOptions
            {
                Zoo = parse.GetValue(zoo) ?? DefaultZoo(),
                OutputDirectory = Path.GetFullPath(parse.GetValue(output)!),
                CorpusDirectory = parse.GetValue(corpus),
                Profile = parse.GetValue(smoke) ? "smoke" : parse.GetValue(full) ? "full" : null,
                Device = parse.GetValue(device)!,
                RerunChanged = parse.GetValue(force),
            };
            DemoResult result = new LepDemo(options, new ConsolePipelineUi()).Run();
            Console.Write(Table(result));
            Console.WriteLine($"{LepDemo.CalibratedStageName}: {result.Selected}, calibrated (the LEP model with the best mean primary score over the Russian tasks)");
            Console.WriteLine($"stage seconds: {string.Join(", ", result.StageSeconds.Where(s => s.Seconds >= 0.1).Select(s => $"{s.Stage} {s.Seconds:0.#}"))}; total " +
                $"{clock.Elapsed.TotalSeconds:N0} s");
            Console.WriteLine($"report with plots: {Path.Combine(result.ReportDirectory, "report.md")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>assets/zoo of the checkout this lep runs from (bin/… sits inside it), else of the current dir.</summary>
    private static string DefaultZoo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "assets", "zoo"))) return Path.Combine(dir.FullName, "assets", "zoo");
        return Path.Combine("assets", "zoo");
    }

    /// <summary>Plain fixed-width text (no wrapping when stdout is a file or a narrow terminal).</summary>
    public static string Table(DemoResult result)
    {
        EvalResults r = result.Results;
        string[] header = ["model", "vocab", "ru bits/char", "en bits/char", "ru chars/tok", "copy ru EM", "copy en EM", "MC ru acc", "en→ru chrF", "chars/s"];
        var rows = new List<string[]> { header };
        foreach (DemoModel m in result.Models)
        {
            string Metric(string task, string metric, string format = "0.000") => r.Find(m.Name, task)?.Metrics.GetValueOrDefault(metric) is double v ? v.ToString(format) : "–";
            string mc = r.Find(m.Name, "mc_translation_ru") is { } a && r.Find(m.Name, "mc_continuation_ru") is { } b
                ? ((a.Metrics["accuracy"] * a.N + b.Metrics["accuracy"] * b.N) / Math.Max(1, a.N + b.N)).ToString("0.000") : "–";
            string speed = r.Speed.FirstOrDefault(s => s.Model == m.Name) is { } s ? s.CharsPerSecond.ToString("N0") : "–";
            rows.Add([m.Name, m.Vocabulary, Metric("heldout_ru", "bits_per_char"), Metric("heldout_en", "bits_per_char"), Metric("heldout_ru", "chars_per_token", "0.00"),
                Metric("copy_ru", "exact_match"), Metric("copy_en", "exact_match"), mc, Metric("translate_en_ru_ru", "chrf"), speed]);
        }
        int[] width = header.Select((_, c) => rows.Max(row => row[c].Length)).ToArray();
        var text = new System.Text.StringBuilder("LEP on the zoo pair, side by side (bits/char: lower is better; the rest: higher is better)\n");
        foreach (string[] row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c < 2 ? cell.PadRight(width[c]) : cell.PadLeft(width[c]))).TrimEnd());
        return text.ToString();
    }
}
