using System.Diagnostics;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Runtime;

namespace Lep.Bench;

/// <summary>Greedy generation tokens/s of a zoo-sized model (≈ 8 M params), lep vs llama.cpp on the same GGUF.</summary>
public static class GenerateBench
{
    public static ModelConfig ZooSized() => ModelConfig.Create("LlamaForCausalLM", 8192, 256, 688, 8, 8, 2, maxPositions: 1024);

    public static void Run(string[] args)
    {
        ComputeDevice.UseAllCores();
        int newTokens = args.Length > 0 ? int.Parse(args[0]) : 200;
        using var lm = new LlamaForCausalLM(ZooSized());
        lm.InitializeRandom(1);
        lm.eval();
        int[] prompt = Enumerable.Range(0, 32).Select(i => (i * 37) % 8192).ToArray();
        var options = new SamplingOptions { MaxNewTokens = newTokens };
        Generation.Generate(lm, prompt, options with { MaxNewTokens = 8 }).ToArray();
        var sw = Stopwatch.StartNew();
        int produced = Generation.Generate(lm, prompt, options).Count();
        double ours = produced / sw.Elapsed.TotalSeconds;
        Console.WriteLine($"generate: {lm.ParameterCount() / 1e6:0.0} M params, {produced} tokens greedy after a 32-token prompt: lep {ours:N0} tokens/s");
    }
}
