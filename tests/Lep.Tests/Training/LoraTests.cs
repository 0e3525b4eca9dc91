using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Options;
using Lep.Tests.Support;
using Lep.Training;
using static TorchSharp.torch;

namespace Lep.Tests.Training;

public class LoraTests
{
    private static List<TrainingDocument> Documents(int count, int seed)
    {
        // Each document counts upwards from a random start (mod 64): learnable in a few steps.
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int start = random.Next(64), length = 5 + random.Next(40);
            return new TrainingDocument(Enumerable.Range(0, length).Select(i => (start + i) % 64).ToArray());
        }).ToList();
    }

    private static TrainingOptions Options(int steps, LoraOptions? lora = null) => new()
    {
        Steps = steps, BlockSize = 32, BatchSize = 2, GradientAccumulation = 2, LearningRate = 1e-2, WarmupSteps = 2,
        EvalEvery = 0, CheckpointEvery = 1, Trainable = TrainableSet.Lora, Lora = lora ?? new LoraOptions { Rank = 4, Alpha = 8 },
    };

    private static (LlamaForCausalLM Model, Trainer Trainer) NewRun(string dir, TrainingOptions o)
    {
        var lm = new LlamaForCausalLM(TinyModels.Config("gqa", vocab: 64));
        lm.InitializeRandom(3);
        return (lm, new Trainer(lm, o, DocumentPacker.Pack(Documents(60, 1), o.BlockSize), null, dir));
    }

    private static Tensor Logits(LlamaForCausalLM lm)
    {
        lm.eval();
        using var _ = no_grad();
        using Tensor ids = tensor(TinyModels.RandomTokens(24, 64, 9).Select(i => (long)i).ToArray(), [2, 12]);
        return lm.Forward(ids);
    }

    [Fact]
    public void FreshAdaptersLeaveTheForwardUnchangedAndANonZeroBChangesIt()
    {
        using var lm = TinyModels.Create("gqa", vocab: 64);
        using Tensor before = Logits(lm);
        lm.AddLora(new LoraOptions(), seed: 5);
        Assert.Equal(2 * 7 * 2, lm.LoraParameters().Count);
        Assert.Equal("model.layers.0.self_attn.q_proj.lora_A", lm.LoraParameters()[0].Name);
        using (Tensor fresh = Logits(lm)) Assert.Equal(0, Numerics.MaxAbsDiff(before, fresh));

        using (no_grad())
            foreach (var (_, p) in lm.LoraParameters().Where(p => p.Name.EndsWith("lora_B"))) p.normal_(0, 0.05);
        using Tensor adapted = Logits(lm);
        Assert.True(Numerics.MaxAbsDiff(before, adapted) > 1e-3, "a non-zero B must change the output");
        // HF parameters (what is loaded and saved) never include the adapters.
        Assert.DoesNotContain(lm.HfParameters(), p => p.Name.Contains("lora"));
    }

    [Fact]
    public void TargetsAndRankAreValidated()
    {
        using var lm = TinyModels.Create("mha", vocab: 64);
        Assert.Same(LoraSchema.Targets, Assert.Throws<OptionException>(() => lm.AddLora(new LoraOptions { Targets = ["q_proj", "w_proj"] }, 1)).Subject);
        Assert.Same(LoraSchema.Rank, Assert.Throws<OptionException>(() => lm.AddLora(new LoraOptions { Rank = 0 }, 1)).Subject);
        Assert.Throws<ArgumentException>(() => new TrainingOptions { Trainable = TrainableSet.Lora, Lora = null }.Validate());
        lm.AddLora(new LoraOptions { Targets = ["v_proj", "down_proj"] }, 1);
        Assert.Equal(["v_proj", "down_proj", "v_proj", "down_proj"],
            lm.Projections().Where(p => p.Layer.Lora is not null).Select(p => p.Name[(p.Name.LastIndexOf('.') + 1)..]));
    }

    [Fact]
    public void TrainedAdaptersMergeIntoTheSameFunction()
    {
        using var dir = new TempDir();
        var (lm, trainer) = NewRun(dir.Path, Options(6) with { CheckpointEvery = 0 });
        using var _ = lm;
        trainer.Run();
        using Tensor adapter = Logits(lm);
        lm.MergeLora();
        Assert.False(lm.HasLora);
        using Tensor merged = Logits(lm);
        double diff = Numerics.MaxAbsDiff(adapter, merged);
        Assert.True(diff <= 1e-5, $"merged vs adapter logits differ by {diff}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnlyAdaptersChangeDuringTraining(bool trainEmbeddings)
    {
        using var dir = new TempDir();
        var (lm, trainer) = NewRun(dir.Path, Options(4, new LoraOptions { Rank = 4, Alpha = 8, TrainEmbeddings = trainEmbeddings }) with { CheckpointEvery = 0 });
        using var _ = lm;
        var before = lm.HfParameters().Concat(lm.LoraParameters()).ToDictionary(p => p.Name, p => p.Parameter.detach().clone());
        trainer.Run();
        foreach (var (name, p) in lm.HfParameters())
        {
            bool embedding = name is "model.embed_tokens.weight" or "lm_head.weight";
            Assert.True((Numerics.MaxAbsDiff(p, before[name]) > 0) == (embedding && trainEmbeddings), $"{name}: expected changed = {embedding && trainEmbeddings}");
        }
        foreach (var (name, p) in lm.LoraParameters())
            Assert.True(Numerics.MaxAbsDiff(p, before[name]) > 0, $"{name} did not move");
        Assert.Equal(lm.LoraParameters().Count + (trainEmbeddings ? 2 : 0), trainer.TrainableParameters.Count);
    }

    [Fact]
    public void ResumedLoraRunMergesToTheSameWeights()
    {
        var o = Options(8);
        using var full = new TempDir();
        var (a, trainerA) = NewRun(full.Path, o);
        trainerA.Run();
        a.MergeLora();

        using var killed = new TempDir();
        int stopAt = new Random().Next(1, 7);
        var (b1, trainerB1) = NewRun(killed.Path, o);
        trainerB1.StopAfterSteps = stopAt;
        trainerB1.Run();
        b1.Dispose();
        var (b, trainerB) = NewRun(killed.Path, o);
        Assert.True(trainerB.Run().Resumed);
        b.MergeLora();

        bool anyChanged = false;
        using var reference = new LlamaForCausalLM(TinyModels.Config("gqa", vocab: 64));
        reference.InitializeRandom(3);
        foreach (var ((name, pa), (_, pb), (_, p0)) in a.HfParameters().Zip(b.HfParameters(), reference.HfParameters()))
        {
            Assert.True(Numerics.MaxAbsDiff(pa, pb) == 0, $"{name} differs after resuming at step {stopAt}");
            anyChanged |= Numerics.MaxAbsDiff(pa, p0) > 0;
        }
        Assert.True(anyChanged, "merging changed nothing");
        a.Dispose();
        b.Dispose();
    }

    [Fact]
    public void SavedLoraRunHasTheInputTensorsWithOnlyTargetsChanged()
    {
        using var dir = new TempDir();
        string input = dir.File("in"), output = dir.File("out");
        using (var lm = TinyModels.Create("gqa", vocab: 64)) lm.Save(input, DType.BF16);
        var spec = new TrainingJobSpec
        {
            ModelDirectory = input, Corpus = [], OutputDirectory = output, Storage = DType.BF16,
            Options = Options(5, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["q_proj", "down_proj"] }) with { CheckpointEvery = 0 },
        };
        TrainingJob.Train(spec, Documents(40, 4), []);

        using var a = CheckpointReader.Open(input);
        using var b = CheckpointReader.Open(output);
        CheckpointAssert.SameLayout(a, b);
        foreach (string name in a.Names)
        {
            bool target = name.EndsWith("q_proj.weight") || name.EndsWith("down_proj.weight");
            bool same = a.GetBytes(name).SequenceEqual(b.GetBytes(name));
            Assert.True(same != target, $"{name}: target = {target}, bytes identical = {same}");
        }
    }
}
