using System.Diagnostics;
using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Tests.Oracles;

namespace Lep.Bench;

/// <summary>
/// Greedy generation speed of a zoo-sized model (≈ 10 M params, vocab 8192) in lep vs llama.cpp (LLamaSharp) on the
/// GGUF exported from the same weights (F32, so both compute the same function; the token streams are compared too);
/// then lep's llama.cpp backend (<c>--backend llama.cpp</c>: lep's sampler and stopping loop around llama.cpp) against
/// LLamaSharp called directly on the same GGUF and settings — the overhead lep adds (goal ≥ 0.95×).
/// </summary>
public static class GenerateBench
{
    public static ModelConfig ZooSized() => ModelConfig.Create("LlamaForCausalLM", 8192, 256, 688, 8, 8, 2, maxPositions: 1024);

    public static void Run(string[] args)
    {
        int newTokens = args.Length > 0 ? int.Parse(args[0]) : 200;
        int threads = args.Length > 1 ? int.Parse(args[1]) : Environment.ProcessorCount;
        TorchSharp.torch.set_num_threads(threads);
        string dir = Path.Combine(Path.GetTempPath(), "lep-bench-generate");
        string gguf = dir + ".gguf";
        using var lm = new LlamaForCausalLM(ZooSized());
        lm.InitializeRandom(1, 0.1);
        lm.eval();
        lm.Save(dir);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), ByteTokenizerJson().ToJsonString());
        GgufExporter.Export(dir, gguf, new GgufExportOptions { MatrixType = GgmlType.F32 });

        int[] prompt = Enumerable.Range(0, 32).Select(i => (i * 37) % 256).ToArray();
        var options = new SamplingOptions { MaxNewTokens = newTokens, StopTokens = new HashSet<int>() };
        Generation.Generate(lm, prompt, options with { MaxNewTokens = 8 }).ToArray();
        var sw = Stopwatch.StartNew();
        int[] ours = Generation.Generate(lm, prompt, options).ToArray();
        double oursRate = ours.Length / sw.Elapsed.TotalSeconds;

        using var llama = new LlamaCpp(gguf, contextSize: prompt.Length + newTokens, threads: threads);
        llama.Generate(prompt, 8);
        sw.Restart();
        int[] theirs = llama.Generate(prompt, newTokens);
        double theirRate = theirs.Length / sw.Elapsed.TotalSeconds;
        int agree = ours.Zip(theirs).TakeWhile(p => p.First == p.Second).Count();
        Console.WriteLine($"generate: {lm.ParameterCount() / 1e6:0.0} M params, {threads} thread(s), {newTokens} greedy tokens after a 32-token prompt: " +
                          $"lep {oursRate:N0} tokens/s, llama.cpp {theirRate:N0} tokens/s → ratio {oursRate / theirRate:0.00}× (goal ≥ 0.5); " +
                          $"identical first {agree}/{newTokens} tokens");

        // Same context, batch, threads and F32 KV cache as the oracle above; best of 5 alternating runs each.
        var settings = new Lep.Modeling.LlamaCpp.LlamaCppSettings { ContextLength = prompt.Length + newTokens, BatchSize = prompt.Length + newTokens, Threads = threads, F32Cache = true };
        using var backend = Lep.Modeling.LlamaCpp.LlamaCppModel.Open(gguf, lm.Config, "llama.cpp f32", settings);
        int[] viaBackend = Generation.Generate(backend, prompt, options).ToArray();
        double bestBackend = double.MaxValue, bestDirect = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            sw.Restart();
            Generation.Generate(backend, prompt, options).Count();
            bestBackend = Math.Min(bestBackend, sw.Elapsed.TotalSeconds);
            sw.Restart();
            llama.Generate(prompt, newTokens);
            bestDirect = Math.Min(bestDirect, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"generate: lep --backend llama.cpp {newTokens / bestBackend:N0} tokens/s, LLamaSharp directly {newTokens / bestDirect:N0} tokens/s → " +
                          $"ratio {bestDirect / bestBackend:0.00}× (goal ≥ 0.95); identical tokens: {viaBackend.SequenceEqual(theirs)}");
    }

    /// <summary>A byte-level tokenizer.json with the 256 byte tokens only (the GGUF pads the vocabulary to the model's rows).</summary>
    private static JsonObject ByteTokenizerJson()
    {
        var vocab = new JsonObject();
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            vocab[((char)(printable ? b : next++)).ToString()] = b;
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray() },
        };
    }
}
