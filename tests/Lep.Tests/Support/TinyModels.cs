using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Modeling;

namespace Lep.Tests.Support;

/// <summary>Small random Llama-family models in every shape the model supports.</summary>
public static class TinyModels
{
    public static readonly string[] Shapes = ["mha", "gqa", "tied", "qwen2", "llama3-rope", "mistral-headdim"];

    public static ModelConfig Config(string shape, int vocab = 300) => shape switch
    {
        "mha" => ModelConfig.Create("LlamaForCausalLM", vocab, 64, 128, 2, 4, 4),
        "gqa" => ModelConfig.Create("LlamaForCausalLM", vocab, 64, 160, 2, 8, 2, ropeTheta: 500000),
        "tied" => ModelConfig.Create("LlamaForCausalLM", vocab, 48, 96, 2, 4, 2, tieWordEmbeddings: true),
        "qwen2" => ModelConfig.Create("Qwen2ForCausalLM", vocab, 64, 128, 2, 4, 2, tieWordEmbeddings: true, ropeTheta: 1000000, rmsNormEps: 1e-6),
        "llama3-rope" => ModelConfig.Create("LlamaForCausalLM", vocab, 64, 128, 2, 4, 2, ropeTheta: 500000, maxPositions: 4096,
            ropeScaling: new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 64 }),
        "mistral-headdim" => ModelConfig.Create("MistralForCausalLM", vocab, 64, 128, 2, 4, 2, headDim: 32),
        _ => throw new ArgumentException(shape),
    };

    public static LlamaForCausalLM Create(string shape, int vocab = 300, long seed = 1)
    {
        var lm = new LlamaForCausalLM(Config(shape, vocab));
        lm.InitializeRandom(seed, initializerRange: 0.1);
        lm.eval();
        return lm;
    }

    public static int[] RandomTokens(int count, int vocab, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }
}

/// <summary>A temp directory deleted at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lep-test-" + Guid.NewGuid().ToString("N")[..12]);
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
