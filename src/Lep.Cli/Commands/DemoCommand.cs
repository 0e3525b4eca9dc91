using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Lep.Evaluation.Results;
using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Tokenization;
using Lep.Zoo;
using Spectre.Console;

namespace Lep.Cli.Commands;

/// <summary>
/// The README's main job. Until the LEP stages land (issue 6) it runs the foundation end to end at demo scale: a corpus
/// from Debian packages, a tokenizer, a tiny base pre-trained and instruction-tuned, both evaluated side by side,
/// a sample generation, and a GGUF export — the same code paths as `lep zoo build`.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "where the demo writes everything (reused and resumed on the next run)", DefaultValueFactory = _ => "demo-out" };
        var corpus = new Option<string?>("--corpus") { Description = "a corpus dir from `lep data build` (default: build the small test profile from Debian packages)" };
        var device = DeviceOption.Create();
        var command = new Command("demo", "Run the pipeline end to end at demo scale (minutes on 2 cores) and print what it measured.") { output, corpus, device };
        CommandAction.Set(command, parse =>
        {
            Runtime.ComputeDevice.UseAllCores();
            var clock = Stopwatch.StartNew();
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            string zooDir = Path.Combine(outDir, "zoo");
            var options = new ZooBuildOptions
            {
                Recipe = ZooRecipe.Quick,
                CorpusDirectory = parse.GetValue(corpus),
                OutputDirectory = zooDir,
                WorkDirectory = Path.Combine(outDir, "work"),
                Device = parse.GetValue(device)!,
            };
            JsonObject manifest = new ZooBuilder(options, new ConsoleEvalUi()).Build();

            EvalResults results = EvalResults.Load(Path.Combine(zooDir, "eval-results.json"));
            var table = new Table().Title("side by side (quick profile: toy scale, not the shipped zoo)").AddColumn("model").AddColumn("micro-avg")
                .AddColumn("en bits/char").AddColumn("ru bits/char").AddColumn("ru chars/token");
            foreach (ModelInfo m in results.Models)
            {
                string Metric(string task, string metric) => results.Find(m.Name, task)?.Metrics.GetValueOrDefault(metric) is double v ? v.ToString("0.000") : "–";
                table.AddRow(m.Name, results.MicroAverage(m.Name).Score.ToString("0.000"), Metric("heldout_en", "bits_per_char"), Metric("heldout_ru", "bits_per_char"), Metric("heldout_ru", "chars_per_token"));
            }
            AnsiConsole.Write(table);

            string instruct = Path.Combine(zooDir, ZooBuilder.InstructName);
            Console.WriteLine($"sample: {Sample(instruct, "Repeat exactly: the quick brown fox.")}");
            string gguf = Path.Combine(outDir, ZooBuilder.InstructName + ".gguf");
            GgufExportResult exported = GgufExporter.Export(instruct, gguf, new GgufExportOptions());
            Console.WriteLine($"GGUF for llama.cpp: {gguf} ({exported.Bytes / 1024.0:N0} KiB)");
            Console.WriteLine($"stage seconds: {manifest["stage_seconds"]!.ToJsonString()}; total {clock.Elapsed.TotalSeconds:N0} s");
            Console.WriteLine($"report: {Path.Combine(zooDir, "eval-report.md")}");
            Console.WriteLine("The LEP stages (vocabulary → init → embedding training → propagation → calibration) join this demo as they land.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Sample(string modelDir, string prompt)
    {
        var template = Data.ChatTemplates.ChatTemplate.FromTokenizerConfig(Path.Combine(modelDir, "tokenizer_config.json"));
        Tokenizer tokenizer = Tokenizer.Load(modelDir);
        using var lm = LlamaForCausalLM.Load(modelDir);
        lm.eval();
        int[] ids = tokenizer.Encode(template.Render([new("user", prompt)], addGenerationPrompt: true), addSpecialTokens: false);
        var stop = new HashSet<int> { tokenizer.TokenToId(ZooTokenizer.TurnEnd)!.Value, tokenizer.TokenToId(ZooTokenizer.Eos)!.Value };
        int[] reply = Generation.Generate(lm, ids, new SamplingOptions { MaxNewTokens = 24, StopTokens = stop }).ToArray();
        return $"{prompt} → {tokenizer.Decode(reply, skipSpecialTokens: true)}";
    }
}
