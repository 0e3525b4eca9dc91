using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tests.Support;
using static TorchSharp.torch;

namespace Lep.Tests.Modeling;

public class LlamaModelTests
{
    public static TheoryData<string> Shapes() => new(TinyModels.Shapes);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SaveThenLoadGivesIdenticalLogits(string shape)
    {
        using var dir = new TempDir();
        using var lm = TinyModels.Create(shape);
        lm.Save(dir.Path);
        using var loaded = LlamaForCausalLM.Load(dir.Path);
        loaded.eval();
        using var _ = no_grad();
        using Tensor ids = Numerics.Ids(TinyModels.RandomTokens(24, 300, 7));
        using Tensor a = lm.Forward(ids), b = loaded.Forward(ids);
        Assert.Equal(0.0, Numerics.MaxAbsDiff(a, b));
        Assert.Equal(lm.Config.TieWordEmbeddings, !File.ReadAllText(dir.File("model.safetensors")).Contains("lm_head.weight"));
    }

    [Fact]
    public void Bf16StorageComputesInFp32WithinBf16Error()
    {
        using var dir = new TempDir();
        using var lm = TinyModels.Create("gqa");
        lm.Save(dir.Path, DType.BF16);
        using var loaded = LlamaForCausalLM.Load(dir.Path);
        Assert.Equal(ScalarType.Float32, loaded.EmbedTokens.dtype);
        using var _ = no_grad();
        using Tensor ids = Numerics.Ids(TinyModels.RandomTokens(32, 300, 3));
        using Tensor a = lm.Forward(ids), b = loaded.Forward(ids);
        double err = Numerics.RelativeError(b, a);
        Assert.InRange(err, 1e-5, 2e-2); // bf16 keeps 8 mantissa bits: ~0.4 % per weight
        Assert.Equal("bfloat16", ModelConfig.Load(dir.File("config.json")).TorchDtype);
    }

    [Fact]
    public void ShardedCheckpointRoundTrips()
    {
        using var dir = new TempDir();
        using var lm = TinyModels.Create("mha");
        lm.Save(dir.Path, DType.F16, maxShardBytes: 40_000);
        Assert.True(File.Exists(dir.File(CheckpointReader.IndexFile)));
        Assert.True(Directory.GetFiles(dir.Path, "model-*-of-*.safetensors").Length > 2);
        using var loaded = LlamaForCausalLM.Load(dir.Path);
        using var _ = no_grad();
        using Tensor ids = Numerics.Ids(1, 2, 3, 4, 5);
        Assert.InRange(Numerics.RelativeError(loaded.Forward(ids), lm.Forward(ids)), 0, 5e-3);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void IncrementalDecodingWithCacheMatchesFullForward(string shape)
    {
        using var lm = TinyModels.Create(shape);
        using var _ = no_grad();
        int[] tokens = TinyModels.RandomTokens(20, 300, 11);
        using Tensor full = lm.Forward(Numerics.Ids(tokens));
        using var cache = lm.NewCache(1, 32);
        var steps = new List<Tensor> { lm.Forward(Numerics.Ids(tokens[..8]), cache: cache) };
        for (int i = 8; i < tokens.Length; i++) steps.Add(lm.Forward(Numerics.Ids(tokens[i]), cache: cache));
        using Tensor incremental = cat(steps, 1);
        Assert.InRange(Numerics.RelativeError(incremental, full), 0, 1e-5);
    }

    [Fact]
    public void PackedDocumentsSeeOnlyThemselves()
    {
        using var lm = TinyModels.Create("gqa");
        using var _ = no_grad();
        int[] d1 = TinyModels.RandomTokens(7, 300, 1), d2 = TinyModels.RandomTokens(9, 300, 2);
        int[] packed = [.. d1, .. d2];
        using Tensor docIds = tensor(packed.Select((_, i) => i < d1.Length ? 0L : 1L).ToArray(), [1, packed.Length]);
        using Tensor positions = tensor(packed.Select((_, i) => (long)(i < d1.Length ? i : i - d1.Length)).ToArray(), [1, packed.Length]);
        using Tensor logits = lm.Forward(Numerics.Ids(packed), positions, Masks.PackedDocuments(docIds));
        using Tensor separate = cat([lm.Forward(Numerics.Ids(d1)), lm.Forward(Numerics.Ids(d2))], 1);
        Assert.InRange(Numerics.RelativeError(logits, separate), 0, 1e-5);
    }

    [Fact]
    public void LogLikelihoodEqualsSumOfPerTokenLogProbs()
    {
        using var lm = TinyModels.Create("mha");
        var requests = new List<ScoringRequest>();
        for (int i = 0; i < 11; i++)
            requests.Add(new ScoringRequest(TinyModels.RandomTokens(3 + i % 5, 300, i), TinyModels.RandomTokens(1 + i % 4, 300, 100 + i)));
        ScoringResult[] batched = LogLikelihood.Score(lm, requests, batchSize: 4);
        using var _ = no_grad();
        for (int i = 0; i < requests.Count; i++)
        {
            int[] all = [.. requests[i].Context, .. requests[i].Continuation];
            using Tensor logProbs = nn.functional.log_softmax(lm.Forward(Numerics.Ids(all)), -1);
            double expected = 0;
            for (int j = requests[i].Context.Length; j < all.Length; j++) expected += logProbs[0, j - 1, all[j]].item<float>();
            Assert.Equal(expected, batched[i].LogProb, 4);
            Assert.Equal(requests[i].Continuation.Length, batched[i].Tokens);
        }
    }

    [Fact]
    public void ScoringCutsTheContextToTheWindowButRefusesAContinuationThatDoesNotFit()
    {
        using var lm = new LlamaForCausalLM(ModelConfig.Create("LlamaForCausalLM", 300, 64, 128, 2, 4, 4, maxPositions: 16));
        lm.InitializeRandom(1, initializerRange: 0.1);
        lm.eval();
        int[] context = TinyModels.RandomTokens(30, 300, 1), continuation = TinyModels.RandomTokens(5, 300, 2);
        // 35 tokens, the last one only a target: 34 inputs into 16 positions, so the first 18 context tokens go.
        double cut = LogLikelihood.Score(lm, [new ScoringRequest(context, continuation)])[0].LogProb;
        double kept = LogLikelihood.Score(lm, [new ScoringRequest(context[18..], continuation)])[0].LogProb;
        Assert.Equal(kept, cut, 6);

        foreach (int[] ctx in new[] { Array.Empty<int>(), context })
        {
            var e = Assert.Throws<ArgumentException>(() => LogLikelihood.Score(lm, [new ScoringRequest(ctx, TinyModels.RandomTokens(20, 300, 3))]));
            Assert.Contains("20 tokens does not fit the model's context of 16", e.Message);
        }
    }

    [Fact]
    public void GreedyGenerationFollowsArgmaxAndSamplingIsSeeded()
    {
        using var lm = TinyModels.Create("gqa");
        int[] prompt = [5, 17, 42];
        int[] greedy = Generation.Generate(lm, prompt, new SamplingOptions { MaxNewTokens = 6 }).ToArray();
        using (no_grad())
        {
            int[] seq = prompt;
            foreach (int token in greedy)
            {
                using Tensor logits = lm.Forward(Numerics.Ids(seq));
                Assert.Equal(logits[0, -1].argmax().item<long>(), token);
                seq = [.. seq, token];
            }
        }
        var sampling = new SamplingOptions { MaxNewTokens = 12, Temperature = 1.5, TopK = 50, TopP = 0.9, Seed = 42 };
        int[] s1 = Generation.Generate(lm, prompt, sampling).ToArray();
        int[] s2 = Generation.Generate(lm, prompt, sampling).ToArray();
        int[] s3 = Generation.Generate(lm, prompt, sampling with { Seed = 43 }).ToArray();
        Assert.Equal(s1, s2);
        Assert.NotEqual(s1, s3);
        Assert.Equal(greedy, Generation.Generate(lm, prompt, new SamplingOptions { MaxNewTokens = 6, Temperature = 1, TopK = 1 }).ToArray());
    }

    [Fact]
    public void Llama3RopeScalingMatchesTransformersFormula()
    {
        var scaling = new RopeScaling("llama3", 8, 1, 4, 8192);
        float[] plain = RotaryEmbedding.InverseFrequencies(128, 500000, null);
        float[] scaled = RotaryEmbedding.InverseFrequencies(128, 500000, scaling);
        Assert.Equal(plain[0], scaled[0]);                 // short wavelength: unchanged
        Assert.Equal(plain[^1] / 8, scaled[^1], 6);        // long wavelength: divided by factor
        int medium = Enumerable.Range(0, 64).First(i => 2 * Math.PI / plain[i] >= 8192 / 4.0);
        double w = 2 * Math.PI / plain[medium];
        double s = (8192 / w - 1) / (4 - 1);
        Assert.Equal((1 - s) * plain[medium] / 8 + s * plain[medium], scaled[medium], 6);
    }
}
