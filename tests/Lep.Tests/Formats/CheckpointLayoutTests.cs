using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Modeling;
using Lep.Tests.Support;

namespace Lep.Tests.Formats;

/// <summary>The one checkpoint check: its expected layout is exactly the model's parameters (so a dir it accepts
/// loads), and each kind of disagreement is one problem naming the file and the tensor.</summary>
public class CheckpointLayoutTests
{
    public static TheoryData<string> Shapes => new(TinyModels.Shapes);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ExpectedLayoutIsTheModelsParameters(string shape)
    {
        using var lm = TinyModels.Create(shape);
        var parameters = lm.HfParameters().ToDictionary(p => p.Name, p => p.Parameter.shape);
        var expected = CheckpointLayout.Expected(lm.Config).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal(parameters.Keys.Order(), expected.Keys.Order());
        foreach (var (name, s) in parameters) Assert.Equal(s, expected[name]);
    }

    [Fact]
    public void BiasesFollowTheConfig()
    {
        var config = ModelConfig.Create("LlamaForCausalLM", 100, 32, 64, 1, 4, 2, attentionBias: true);
        config.Json["mlp_bias"] = true;
        config = ModelConfig.Parse(config.Json);
        using var lm = new LlamaForCausalLM(config);
        Assert.Equal(lm.HfParameters().Select(p => p.Name).Order(), CheckpointLayout.Expected(config).Select(e => e.Name).Order());
        Assert.Contains("model.layers.0.self_attn.o_proj.bias", CheckpointLayout.Expected(config).Select(e => e.Name));
    }

    private static IReadOnlyList<CheckpointProblem> ProblemsOf(TempDir dir, ModelConfig config)
    {
        using var weights = CheckpointReader.Open(dir.Path);
        return CheckpointLayout.Problems(config, weights);
    }

    private static void Save(TempDir dir, string shape, Func<PendingTensor, PendingTensor?>? edit = null)
    {
        using var lm = TinyModels.Create(shape);
        var tensors = lm.HfParameters().Select(p => PendingTensor.FromTorch(p.Name, p.Parameter, DType.F32))
            .Select(t => edit is null ? t : edit(t)).OfType<PendingTensor>().ToList();
        CheckpointWriter.WriteWeights(dir.Path, tensors);
    }

    [Fact]
    public void AConsistentCheckpointHasNoProblemsAndATiedHeadCopyIsTolerated()
    {
        using var dir = new TempDir();
        Save(dir, "tied");
        var config = TinyModels.Config("tied");
        Assert.Empty(ProblemsOf(dir, config));
        using var extra = new TempDir();
        using var lm = TinyModels.Create("tied");
        CheckpointWriter.WriteWeights(extra.Path, [.. lm.HfParameters().Select(p => PendingTensor.FromTorch(p.Name, p.Parameter)),
            PendingTensor.FromTorch("lm_head.weight", lm.EmbedTokens)]);
        Assert.Empty(ProblemsOf(extra, config));
    }

    [Fact]
    public void EachDisagreementIsOneProblemNamingFileAndTensor()
    {
        using var dir = new TempDir();
        Save(dir, "mha", t => t.Name switch
        {
            "model.layers.0.mlp.up_proj.weight" => null,
            "model.layers.1.mlp.down_proj.weight" => t with { Shape = [t.Shape[1], t.Shape[0]] },
            _ => t,
        });
        Assert.Equal(
        [
            $"{dir.Path}: checkpoint lacks tensor 'model.layers.0.mlp.up_proj.weight'",
            $"{dir.File("model.safetensors")}: tensor 'model.layers.1.mlp.down_proj.weight' has shape [128, 64], config.json implies [64, 128]",
        ], ProblemsOf(dir, TinyModels.Config("mha")).Select(p => p.ToString()));

        var e = Assert.Throws<LepInputException>(() =>
        {
            using var weights = CheckpointReader.Open(dir.Path);
            new LlamaForCausalLM(TinyModels.Config("mha")).LoadWeights(weights);
        });
        Assert.Equal($"{dir.Path}: checkpoint lacks tensor 'model.layers.0.mlp.up_proj.weight'", e.Message);
    }

    [Fact]
    public void VocabularyRowsAndLayerCountAreSaidOnce()
    {
        using var dir = new TempDir();
        Save(dir, "mha");
        var config = TinyModels.Config("mha", vocab: 301);
        Assert.Equal([$"{dir.File("model.safetensors")}: tensor 'model.embed_tokens.weight' has 300 rows but config.json says vocab_size 301"],
            ProblemsOf(dir, config).Select(p => p.ToString()));

        var fewer = ModelConfig.Create("LlamaForCausalLM", 300, 64, 128, 1, 4, 4);
        Assert.Equal([$"{dir.Path}: the checkpoint has 2 layers (model.layers.0…1) but config.json says num_hidden_layers 1"],
            ProblemsOf(dir, fewer).Select(p => p.ToString()));
        var more = ModelConfig.Create("LlamaForCausalLM", 300, 64, 128, 3, 4, 4);
        Assert.Equal([$"{dir.Path}: the checkpoint has 2 layers (model.layers.0…1) but config.json says num_hidden_layers 3"],
            ProblemsOf(dir, more).Select(p => p.ToString()));
    }
}
