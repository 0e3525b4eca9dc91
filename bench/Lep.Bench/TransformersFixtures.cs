using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Modeling;
using static TorchSharp.torch;

namespace Lep.Bench;

/// <summary>
/// Writes small random HF dirs in every supported shape plus our logits on fixed inputs, for
/// tools/transformers_check.py to compare against HF transformers (the reference implementation) on a machine that has it.
/// </summary>
public static class TransformersFixtures
{
    public static void Run(string[] args)
    {
        string outDir = args.Length > 0 ? args[0] : "out/transformers-fixtures";
        Directory.CreateDirectory(outDir);
        // Real model dirs given as NAME=DIR (e.g. the zoo pair, a LEP output): copied with our logits and token ids
        // on sample text, so the check also loads their tokenizer files in HF tokenizers.
        foreach (string spec in args.Skip(1))
        {
            string[] parts = spec.Split('=', 2);
            Real(parts[0], parts[1], Path.Combine(outDir, parts[0]));
        }
        if (args.Length > 1) return;
        var shapes = new Dictionary<string, ModelConfig>
        {
            ["llama-mha"] = ModelConfig.Create("LlamaForCausalLM", 512, 64, 128, 2, 4, 4),
            ["llama-gqa"] = ModelConfig.Create("LlamaForCausalLM", 512, 64, 160, 2, 8, 2, ropeTheta: 500000),
            ["llama-tied"] = ModelConfig.Create("LlamaForCausalLM", 512, 48, 96, 2, 4, 2, tieWordEmbeddings: true),
            ["llama3-rope"] = ModelConfig.Create("LlamaForCausalLM", 512, 64, 128, 2, 4, 2, ropeTheta: 500000, maxPositions: 4096,
                ropeScaling: new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 64 }),
            ["llama-bias"] = ModelConfig.Create("LlamaForCausalLM", 512, 64, 128, 2, 4, 2, attentionBias: true),
            ["mistral-headdim"] = ModelConfig.Create("MistralForCausalLM", 512, 64, 128, 2, 4, 2, headDim: 32),
            ["qwen2"] = ModelConfig.Create("Qwen2ForCausalLM", 512, 64, 128, 2, 4, 2, tieWordEmbeddings: true, ropeTheta: 1000000, rmsNormEps: 1e-6),
        };
        var random = new Random(5);
        long[] ids = Enumerable.Range(0, 3 * 40).Select(_ => (long)random.Next(512)).ToArray();
        foreach (var (name, config) in shapes)
        {
            string dir = Path.Combine(outDir, name);
            using var lm = new LlamaForCausalLM(config);
            lm.InitializeRandom(7, 0.1);
            using (no_grad())
            {
                foreach (var p in lm.HfParameters().Where(p => p.Name.EndsWith(".bias"))) p.Parameter.normal_(0, 0.1);
            }
            lm.eval();
            lm.Save(dir, name == "llama-gqa" ? DType.BF16 : DType.F32);
            using var loaded = LlamaForCausalLM.Load(dir);
            using var _ = no_grad();
            using Tensor input = tensor(ids, [3, 40]);
            using Tensor logits = loaded.Forward(input);
            SafetensorsWriter.Write(Path.Combine(dir, "lep_logits.safetensors"),
                [PendingTensor.FromTorch("input_ids", input), PendingTensor.FromTorch("logits", logits)]);
            Console.WriteLine($"wrote {dir}");
        }
    }

    private static readonly string[] SampleTexts =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Съешь же ещё этих мягких французских булок, да выпей чаю.",
        "Повтори в точности: Каждый пакет содержит файлы документации.",
    ];

    private static void Real(string name, string source, string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(source).Where(f => Path.GetExtension(f) is ".json" or ".safetensors" && !Path.GetFileName(f).StartsWith("lep_")))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        var tokenizer = Lep.Tokenization.Tokenizer.Load(dir);
        int[][] encoded = SampleTexts.Select(t => tokenizer.Encode(t, addSpecialTokens: true)).ToArray();
        int length = encoded.Min(e => e.Length);
        using var loaded = LlamaForCausalLM.Load(dir);
        loaded.eval();
        using var _ = no_grad();
        using Tensor input = tensor(encoded.SelectMany(e => e.Take(length).Select(i => (long)i)).ToArray(), [encoded.Length, length]);
        using Tensor logits = loaded.Forward(input);
        SafetensorsWriter.Write(Path.Combine(dir, "lep_logits.safetensors"),
            [PendingTensor.FromTorch("input_ids", input), PendingTensor.FromTorch("logits", logits)]);
        var text = new JsonObject
        {
            ["texts"] = new JsonArray(SampleTexts.Select(t => (JsonNode?)t).ToArray()),
            ["ids"] = new JsonArray(encoded.Select(e => (JsonNode?)new JsonArray(e.Select(i => (JsonNode?)i).ToArray())).ToArray()),
        };
        File.WriteAllText(Path.Combine(dir, "lep_text.json"), text.ToJsonString());
        Console.WriteLine($"wrote {dir} ({name}: {source})");
    }
}
