using System.Diagnostics;
using System.Text.RegularExpressions;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;

namespace Lep.Bench;

/// <summary>
/// `backend-memory`: peak resident memory of `lep eval` (a few multiple-choice items and a text document) per backend
/// and GGUF type, on a random Llama-shaped model (default ≈ 0.4 G parameters: hidden 2048, 8 layers, GQA 16/4, ffn
/// 5632, the zoo's 8192-token vocabulary), each in a child process under /usr/bin/time -v; printed as bytes per
/// parameter, the figure that scales to an 8B model. Usage: backend-memory [hidden] [layers]
/// </summary>
public static class BackendMemoryBench
{
    public static void Run(string[] args)
    {
        int hidden = args.Length > 0 ? int.Parse(args[0]) : 2048, layers = args.Length > 1 ? int.Parse(args[1]) : 8;
        string checkout = EvalBackendBench.Checkout();
        string lep = Path.Combine(checkout, "src", "Lep.Cli", "bin", "Release", "net10.0", "lep.dll");
        string work = Path.Combine(Path.GetTempPath(), $"lep-bench-memory-{Environment.ProcessId}");
        try
        {
            string model = Path.Combine(work, "model");
            long parameters;
            using (var lm = new LlamaForCausalLM(ModelConfig.Create("LlamaForCausalLM", 8192, hidden, hidden * 11 / 4, layers, 16, 4, maxPositions: 2048)))
            {
                lm.InitializeRandom(1, 0.02);
                lm.Save(model, DType.BF16);
                parameters = lm.ParameterCount();
            }
            foreach (string f in new[] { "tokenizer.json", "tokenizer_config.json" })
                File.Copy(Path.Combine(checkout, "assets", "zoo", "lep-tiny-instruct", f), Path.Combine(model, f));
            string suite = Path.Combine(work, "suite");
            Directory.CreateDirectory(suite);
            File.WriteAllLines(Path.Combine(suite, "mc.jsonl"), Enumerable.Range(0, 4).Select(i =>
                $"{{\"question\": \"What is {i} plus one?\", \"choices\": [\"{i + 1}\", \"{i + 2}\", \"{i + 3}\", \"zero\"], \"answer\": 0}}"));
            File.WriteAllText(Path.Combine(suite, "text.txt"), string.Join(" ", Enumerable.Repeat("The cat sleeps on the mat, and the dog watches it.", 40)) + "\n");
            Console.WriteLine($"backend-memory: {parameters / 1e9:0.00} G parameters (hidden {hidden}, {layers} layers), lep eval of 4 choice items + 1 document; " +
                              "marginal = (peak RSS − the same eval's on the 7 M-parameter zoo model) / parameters");
            string zoo = Path.Combine(checkout, "assets", "zoo", "lep-tiny-instruct");
            double? torchMarginal = null;
            foreach (string[] backend in new[] { new[] { "torch" }, ["llama.cpp", "f32"], ["llama.cpp", "f16"], ["llama.cpp", "q8_0"] })
            {
                string[] flags = backend.Length == 1 ? ["--backend", "torch"] : ["--backend", "llama.cpp", "--gguf-type", backend[1], "--gguf-cache", Path.Combine(work, "gguf")];
                (double Seconds, long Bytes) Eval(string dir, string tag) =>
                    Measure(lep, ["eval", "--model", dir, "--suite", suite, "--out", Path.Combine(work, $"out-{tag}-{string.Join("-", backend)}"), "--no-speed", .. flags]);
                if (backend.Length > 1) Eval(model, "export"); // the first run exports the GGUF (reading the safetensors): not measured
                var (_, baseline) = Eval(zoo, "zoo");
                var (seconds, rss) = Eval(model, "model");
                double marginal = (rss - baseline) / (double)parameters;
                torchMarginal ??= marginal;   // the peer: torch, measured first in this run
                Console.WriteLine($"  {string.Join(" ", backend),-15} peak RSS {rss / 1048576.0,7:N0} MiB (zoo model {baseline / 1048576.0,5:N0} MiB) → marginal {marginal,5:0.00} bytes/parameter, " +
                                  $"{marginal / torchMarginal:0.00}× torch's; {seconds:0.0} s wall");
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    private static (double Seconds, long Bytes) Measure(string lep, string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])["-v", "dotnet", lep, .. args]) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEndAsync().Result;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"lep {string.Join(' ', args)} failed:\n{stdout}\n{stderr}");
        long kb = long.Parse(Regex.Match(stderr, @"Maximum resident set size \(kbytes\): (\d+)").Groups[1].Value);
        Match wall = Regex.Match(stderr, @"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)");
        double seconds = (wall.Groups[1].Success ? int.Parse(wall.Groups[1].Value) * 3600 : 0) + int.Parse(wall.Groups[2].Value) * 60 + double.Parse(wall.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        return (seconds, kb * 1024);
    }
}
