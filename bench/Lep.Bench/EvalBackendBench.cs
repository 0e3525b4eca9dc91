using System.Diagnostics;
using Lep.Data.Tasks;
using Lep.Evaluation;
using Lep.Evaluation.Results;
using Lep.Evaluation.Running;
using Lep.Evaluation.Tasks;
using Lep.Modeling;
using Lep.Zoo;
using static TorchSharp.torch;

namespace Lep.Bench;

/// <summary>
/// `eval-backends`: the demo's evaluation (its suite built the demo's way from a corpus dir, its options) of the shipped
/// zoo pair, run once per backend in this process — torch, llama.cpp f32, llama.cpp q8_0 — printing each wall time,
/// the ratio to torch, and how far each llama.cpp run's scores are from torch's. GGUF exports are made before the timed
/// runs (their one-time cost is printed apart). Usage: eval-backends [CORPUS_DIR] [items per task, default 60]
/// </summary>
public static class EvalBackendBench
{
    public static void Run(string[] args)
    {
        string checkout = Checkout();
        string corpus = args.Length > 0 ? args[0] : Path.GetFullPath(Path.Combine(checkout, "..", "shared", "data", "corpus"));
        int items = args.Length > 1 ? int.Parse(args[1]) : 60;
        string work = Path.Combine(Path.GetTempPath(), $"lep-bench-eval-{Environment.ProcessId}");
        try
        {
            Lep.Runtime.ComputeDevice.UseAllCores();
            string tasks = TaskGenerator.Generate(corpus, Path.Combine(work, "tasks"), new TaskOptions { EvalPerKind = items, TrainPerKind = 10 }).OutDir;
            string suite = EvalSuite.Write(corpus, tasks, Path.Combine(work, "suite"), items);
            string zoo = Path.Combine(checkout, "assets", "zoo");
            var instruct = new List<(string, string)> { ("lep-tiny-instruct", Path.Combine(zoo, "lep-tiny-instruct")) };
            var bases = new List<(string, string)> { ("lep-tiny-base", Path.Combine(zoo, "lep-tiny-base")) };
            var demo = new EvalOptions { Limit = items, MaxNewTokens = 96, SpeedTask = "copy_ru" }; // as LepDemo evaluates
            Console.WriteLine($"eval-backends: zoo pair, demo suite ({SuiteLoader.Load(suite).Count} tasks × ≤ {items} items), {Environment.ProcessorCount} threads");

            var runs = new List<(string Name, double Seconds, EvalResults Results)>();
            foreach (string backend in new[] { "torch", "llama.cpp f32", "llama.cpp q8_0" })
            {
                InferenceBackend engine = backend == "torch" ? InferenceBackend.Torch
                    : InferenceBackend.Parse("llama.cpp", backend.Split(' ')[1], Path.Combine(work, "gguf"));
                if (engine.IsLlamaCpp)
                {
                    var export = Stopwatch.StartNew();
                    foreach (var (_, dir) in instruct.Concat(bases)) engine.Load(dir).Dispose();
                    Console.WriteLine($"  {backend}: GGUF export + first load of both models {export.Elapsed.TotalSeconds:0.0} s (once per model and type; cached)");
                }
                var clock = Stopwatch.StartNew();
                EvalResults results = EvalSuite.Evaluate(instruct, bases, suite, Path.Combine(work, backend.Replace(' ', '-')), demo with { Backend = engine }, CPU, SilentUi.Instance);
                runs.Add((backend, clock.Elapsed.TotalSeconds, results));
            }

            EvalResults torch = runs[0].Results;
            foreach (var (name, seconds, results) in runs)
            {
                string perKind = string.Join(", ", results.Results.GroupBy(r => r.Kind).Select(g => $"{g.Key} {g.Sum(r => r.Seconds):0.0} s"));
                string line = $"  {name,-15} {seconds,7:0.0} s wall ({perKind})  speed-up over torch {runs[0].Seconds / seconds:0.00}×";
                if (results != torch)
                {
                    (double Diff, string Where) worstScore = (0, "-"), worstBpc = (0, "-");
                    foreach (TaskResult t in torch.Results)
                    {
                        TaskResult o = results.Find(t.Model, t.Task)!;
                        string where = $"{t.Model}/{t.Task}";
                        if (t.Kind == TaskKind.LanguageModeling)
                        {
                            double rel = Math.Abs(o.Metrics["bits_per_char"] - t.Metrics["bits_per_char"]) / t.Metrics["bits_per_char"];
                            if (rel > worstBpc.Diff) worstBpc = (rel, where);
                        }
                        else if (Math.Abs(o.Metrics[t.Primary] - t.Metrics[t.Primary]) is var d && d > worstScore.Diff) worstScore = (d, $"{where} {t.Primary} {t.Metrics[t.Primary]:0.000} → {o.Metrics[t.Primary]:0.000}");
                    }
                    line += $"; vs torch: largest primary-score difference {worstScore.Diff:0.0000} ({worstScore.Where}), bits/char {worstBpc.Diff:0.00E+0} relative ({worstBpc.Where})";
                }
                SpeedResult? speed = results.Speed.FirstOrDefault();
                if (speed is not null) line += $"; generation {speed.TokensPerSecond:N0} tokens/s, {speed.CharsPerSecond:N0} chars/s ({speed.Model})";
                Console.WriteLine(line);
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    internal static string Checkout()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lep.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot locate the checkout (Lep.slnx) above " + AppContext.BaseDirectory);
    }
}
