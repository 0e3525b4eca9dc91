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
}
