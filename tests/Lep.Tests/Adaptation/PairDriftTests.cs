using Lep.Adaptation;
using Lep.Adaptation.Propagation;
using Lep.Evaluation.Metrics;
using Lep.Modeling;
using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Zoo;
using static TorchSharp.torch;

namespace Lep.Tests.Adaptation;

/// <summary>LEP's premise, measured: how far an instruct sibling moved from its base, and that propagating the base's
/// own vocabulary gives the instruct model back.</summary>
public sealed class PairDriftTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void DriftIsTheRelativeFrobeniusDistanceAndTheFitResidualVanishesForAnExactMap()
    {
        var t = AdaptationFixtures.Create(_tmp.Path);
        PairDriftReport r = PairDrift.Measure(t.Base, t.Instruct);

        using var scope = NewDisposeScope();
        foreach (var (name, drift) in new[] { (ModelInput.EmbedName, r.EmbeddingDrift), (ModelInput.HeadName, r.HeadDrift!.Value) })
        {
            Tensor eb = AdaptationFixtures.ReadMatrix(t.Base, name), ei = AdaptationFixtures.ReadMatrix(t.Instruct, name);
            double want = (ei - eb).norm().item<double>() / eb.norm().item<double>();
            Assert.Equal(want, drift, 6);
        }
        // E_I = E_B·Q exactly (stored in f32): the least-squares map recovers it.
        Assert.True(r.EmbeddingResidual < 1e-5, $"embed residual {r.EmbeddingResidual}");
        Assert.True(r.HeadResidual < 1e-5, $"head residual {r.HeadResidual}");
        // The fixture's instruct layers are independent random draws: far from the base.
        Assert.True(r.LayerDrift > 0.5 && r.LayerMatrices == 2 * 7, $"layers {r.LayerDrift} over {r.LayerMatrices}");
        Assert.True(PairDrift.Measure(t.Base, t.Base).WorstResidual < 1e-6);
    }

    [Theory]
    [InlineData(PropagationMode.Overlap)]
    [InlineData(PropagationMode.Conversion)]
    public void PropagatingTheBasesOwnVocabularyGivesTheInstructModelBack(PropagationMode mode)
    {
        var t = AdaptationFixtures.Create(_tmp.Path);
        string output = _tmp.File($"premise-{mode}");
        Propagator.Run(new PropagationOptions { Base = t.Base, Instruct = t.Instruct, Donor = t.Base, Output = output, Mode = mode });

        using var scope = NewDisposeScope();
        foreach (string name in new[] { ModelInput.EmbedName, ModelInput.HeadName })
        {
            Tensor got = AdaptationFixtures.ReadMatrix(output, name), want = AdaptationFixtures.ReadMatrix(t.Instruct, name);
            double error = (got - want).abs().max().item<double>();
            Assert.True(error < 1e-4, $"{mode} {name}: max |Δ| {error}");
        }
        using var a = LlamaForCausalLM.Load(output);
        using var b = LlamaForCausalLM.Load(t.Instruct);
        int[] ids = TinyModels.RandomTokens(24, a.Config.VocabSize, 3);
        Tensor x = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        Assert.True((a.Forward(x) - b.Forward(x)).abs().max().item<float>() < 1e-3);
    }

    [Fact]
    public void TheShippedPairsDriftIsWhatItsManifestSays()
    {
        // The shipped pair drifts far more than real siblings (README, "The zoo"); the manifest must say so exactly.
        string zoo = TestZoo.Shipped;
        PairDriftReport r = PairDrift.Measure(Path.Combine(zoo, ZooModels.BaseName), Path.Combine(zoo, ZooModels.InstructName));
        var drift = Lep.Formats.Checkpoint.JsonFile.ReadObject(Path.Combine(zoo, "manifest.json"))["pair"]!["drift"]!;
        Assert.Equal(drift["embed_tokens"]!.GetValue<double>(), r.EmbeddingDrift, 6);
        Assert.Equal(drift["lm_head"]!.GetValue<double>(), r.HeadDrift!.Value, 6);
    }

    [Fact]
    public void TheShippedInstructModelCopiesInContext()
    {
        string dir = Path.Combine(TestZoo.Shipped, ZooModels.InstructName);
        using var lm = LlamaForCausalLM.Load(dir);
        string[] passages =
        [
            "The package contains the documentation for the command line tools and their options.",
            "This manual page describes how to configure the network interfaces of the system.",
            "Press the button at the top of the window to open a new document in the editor.",
            "The file is read line by line, and every empty line starts a new paragraph.",
            "Пакет содержит документацию к утилитам командной строки и их параметрам.",
            "Нажмите кнопку в верхней части окна, чтобы открыть новый документ в редакторе.",
        ];
        CopyProbeResult r = CopyProbe.Measure(lm, Tokenizer.Load(dir), passages);
        Assert.Equal(passages.Length, r.Passages);
        Assert.True(r.Ratio < 0.7, $"second copy costs {r.Ratio:P0} of the first: no in-context copying");
    }
}
