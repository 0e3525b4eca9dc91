using Lep.Modeling;
using Lep.Tests.Support;
using Lep.Training;

namespace Lep.Tests.Training;

public class TrainingTests
{
    private static List<int[]> Documents(int count, int seed)
    {
        // Learnable structure: each document counts upwards from a random start (mod 64).
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int start = random.Next(64), length = 5 + random.Next(40);
            return Enumerable.Range(0, length).Select(i => (start + i) % 64).ToArray();
        }).ToList();
    }

    [Fact]
    public void PackerFillsRowsAndNeverPredictsAcrossDocuments()
    {
        var docs = new List<int[]> { new[] { 1, 2, 3 }, new[] { 4, 5 }, new[] { 6, 7, 8, 9, 10, 11 }, new[] { 12 } };
        var rows = DocumentPacker.Pack(docs, 4);
        // A 1-token gap cannot hold a document piece (nothing to predict): the row is padded instead.
        Assert.Equal([1L, 2, 3, 0], rows[0].Tokens);
        Assert.Equal([0L, 1, 2, 0], rows[0].Positions);
        Assert.Equal([2L, 3, -100, -100], rows[0].Targets);
        // [6..11] is split: its first piece ends row 1, the rest starts row 2 at position 0.
        Assert.Equal([4L, 5, 6, 7], rows[1].Tokens);
        Assert.Equal([0L, 1, 0, 1], rows[1].Positions);
        Assert.Equal([5L, -100, 7, -100], rows[1].Targets);
        Assert.Equal([8L, 9, 10, 11], rows[2].Tokens);
        Assert.Equal([9L, 10, 11, -100], rows[2].Targets);
        Assert.Equal(3, rows.Count);
    }

    [Fact]
    public void PackerNeverSplitsADocumentThatFitsInARow()
    {
        var rows = DocumentPacker.Pack([new[] { 1, 2, 3 }, new[] { 4, 5, 6 }, new[] { 7, 8, 9, 10 }], 4);
        Assert.Equal([1L, 2, 3, 0], rows[0].Tokens);
        Assert.Equal([4L, 5, 6, 0], rows[1].Tokens);
        Assert.Equal([0L, 1, 2, 0], rows[1].Positions);
        Assert.Equal([5L, 6, -100, -100], rows[1].Targets);
        Assert.Equal([7L, 8, 9, 10], rows[2].Tokens);
        Assert.Equal(3, rows.Count);
    }

    [Fact]
    public void CosineScheduleWarmsUpThenDecaysToTheFloor()
    {
        var o = new TrainingOptions { Steps = 100, WarmupSteps = 10, LearningRate = 1e-3, MinLearningRateRatio = 0.1 };
        Assert.Equal(1e-4, CosineSchedule.At(0, o), 12);
        Assert.Equal(1e-3, CosineSchedule.At(9, o), 12);
        Assert.Equal(1e-3, CosineSchedule.At(10, o), 12);
        Assert.Equal(1e-4, CosineSchedule.At(99, o), 12);
        Assert.True(CosineSchedule.At(50, o) < CosineSchedule.At(30, o));
    }

    private static (LlamaForCausalLM Model, Trainer Trainer) NewRun(string dir, TrainingOptions o)
    {
        var lm = new LlamaForCausalLM(TinyModels.Config("gqa", vocab: 64));
        lm.InitializeRandom(3);
        var train = DocumentPacker.Pack(Documents(120, 1), o.BlockSize);
        var validation = DocumentPacker.Pack(Documents(20, 2), o.BlockSize);
        return (lm, new Trainer(lm, o, train, validation, dir));
    }

    [Fact]
    public void TrainingLowersValidationLossAndWritesMetrics()
    {
        using var dir = new TempDir();
        var o = new TrainingOptions { Steps = 40, BlockSize = 32, BatchSize = 4, LearningRate = 3e-3, WarmupSteps = 5, EvalEvery = 20, CheckpointEvery = 0 };
        var (lm, trainer) = NewRun(dir.Path, o);
        using var _ = lm;
        double before = trainer.ValidationLoss();
        var result = trainer.Run();
        Assert.Equal(40, result.Steps);
        Assert.True(result.FinalValidationLoss < before - 1.0, $"validation loss {before} → {result.FinalValidationLoss}");
        Assert.Equal(40, File.ReadAllLines(trainer.MetricsPath).Length);
    }

    /// <summary>Random tokens, a separator, the same tokens again; only the repeat is learned (and scored).</summary>
    private static List<TrainingDocument> CopyDocuments(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int[] half = Enumerable.Range(0, 10).Select(_ => 2 + random.Next(62)).ToArray();
            return new TrainingDocument([.. half, 1, .. half], [.. Enumerable.Repeat(false, 11), .. Enumerable.Repeat(true, 10)]);
        }).ToList();
    }

    [Fact]
    public void ATwoLayerModelLearnsToCopyInContext()
    {
        // Copying random tokens needs attention to find the earlier occurrence (an induction circuit): the loss on
        // the repeat starts at ~ln 62 = 4.1 and only falls if attention, masks, positions and gradients all work.
        using var dir = new TempDir();
        var o = new TrainingOptions { Steps = 300, BlockSize = 32, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 20, EvalEvery = 0, CheckpointEvery = 0 };
        using var lm = new LlamaForCausalLM(TinyModels.Config("gqa", vocab: 64));
        lm.InitializeRandom(3);
        var trainer = new Trainer(lm, o, DocumentPacker.Pack(CopyDocuments(2400, 1), o.BlockSize), DocumentPacker.Pack(CopyDocuments(64, 2), o.BlockSize), dir.Path);
        double before = trainer.ValidationLoss();
        trainer.Run();
        double after = trainer.ValidationLoss();
        Assert.True(before > 3.5 && after < 0.5, $"loss on the repeated half {before:F2} → {after:F2}");
    }

    [Fact]
    public void ResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
    {
        var o = new TrainingOptions { Steps = 12, BlockSize = 32, BatchSize = 2, GradientAccumulation = 2, LearningRate = 2e-3, WarmupSteps = 3, EvalEvery = 0, CheckpointEvery = 1 };
        using var full = new TempDir();
        var (a, trainerA) = NewRun(full.Path, o);
        trainerA.Run();

        using var killed = new TempDir();
        int stopAt = new Random().Next(1, 11);
        var (b1, trainerB1) = NewRun(killed.Path, o);
        trainerB1.StopAfterSteps = stopAt;
        trainerB1.Run();
        b1.Dispose();
        var (b, trainerB) = NewRun(killed.Path, o);
        var resumed = trainerB.Run();
        Assert.True(resumed.Resumed);

        foreach (var ((name, pa), (_, pb)) in a.HfParameters().Zip(b.HfParameters()))
            Assert.True(Numerics.MaxAbsDiff(pa, pb) == 0, $"{name} differs after resuming at step {stopAt}");
        a.Dispose();
        b.Dispose();
    }

    [Fact]
    public void NewRowsOnlyTrainingLeavesOldRowsUntouched()
    {
        using var dir = new TempDir();
        var o = new TrainingOptions { Steps = 4, BlockSize = 32, BatchSize = 2, Trainable = TrainableSet.EmbeddingsAndHead, TrainRowsFrom = 40, WarmupSteps = 1, EvalEvery = 0, CheckpointEvery = 0 };
        var (lm, trainer) = NewRun(dir.Path, o);
        using var _ = lm;
        using var embedBefore = lm.EmbedTokens.detach().clone();
        using var headBefore = lm.LmHead.detach().clone();
        trainer.Run();
        Assert.Equal(0, Numerics.MaxAbsDiff(lm.EmbedTokens.narrow(0, 0, 40), embedBefore.narrow(0, 0, 40)));
        Assert.Equal(0, Numerics.MaxAbsDiff(lm.LmHead.narrow(0, 0, 40), headBefore.narrow(0, 0, 40)));
        Assert.True(Numerics.MaxAbsDiff(lm.EmbedTokens.narrow(0, 40, 24), embedBefore.narrow(0, 40, 24)) > 0);
        Assert.True(Numerics.MaxAbsDiff(lm.LmHead.narrow(0, 40, 24), headBefore.narrow(0, 40, 24)) > 0);
    }

    [Fact]
    public void StepsLoggedAfterTheLastCheckpointAreLoggedOnceAfterResuming()
    {
        var o = new TrainingOptions { Steps = 10, BlockSize = 32, BatchSize = 2, LearningRate = 2e-3, WarmupSteps = 2, EvalEvery = 0, CheckpointEvery = 4 };
        using var dir = new TempDir();
        var (first, killed) = NewRun(dir.Path, o);
        killed.StopAfterSteps = 6;
        killed.Run();
        first.Dispose();
        var (second, resumed) = NewRun(dir.Path, o);
        Assert.True(resumed.Run().Resumed);
        second.Dispose();
        var steps = File.ReadLines(resumed.MetricsPath).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32());
        Assert.Equal(Enumerable.Range(1, 10), steps);
    }

    [Fact]
    public void ScatteredNewRowsAreTheOnlyRowsThatChange()
    {
        using var dir = new TempDir();
        int[] newRows = [3, 17, 41, 42, 60];
        var o = new TrainingOptions { Steps = 4, BlockSize = 32, BatchSize = 2, Trainable = TrainableSet.EmbeddingsAndHead, TrainRowIds = newRows, WarmupSteps = 1, EvalEvery = 0, CheckpointEvery = 0 };
        var (lm, trainer) = NewRun(dir.Path, o);
        using var _ = lm;
        using var embedBefore = lm.EmbedTokens.detach().clone();
        using var headBefore = lm.LmHead.detach().clone();
        trainer.Run();
        for (int row = 0; row < lm.Config.VocabSize; row++)
        {
            bool changed = Numerics.MaxAbsDiff(lm.EmbedTokens.narrow(0, row, 1), embedBefore.narrow(0, row, 1)) > 0
                           || Numerics.MaxAbsDiff(lm.LmHead.narrow(0, row, 1), headBefore.narrow(0, row, 1)) > 0;
            if (!newRows.Contains(row)) Assert.False(changed, $"row {row} changed");
        }
        Assert.True(Numerics.MaxAbsDiff(lm.LmHead.narrow(0, 41, 1), headBefore.narrow(0, 41, 1)) > 0);
    }

    /// <summary>Donors written before they carried alignment.json: the new rows come from init_log.jsonl's kinds.</summary>
    [Fact]
    public void NewRowsOfAnOlderDonorAreReadFromItsInitLog()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File(NewRows.InitLogFile), [
            """{"id":0,"kind":"copied","method":"copy"}""", """{"id":1,"kind":"composed","method":"mean"}""", """{"id":2,"kind":"copied"}""", """{"id":3,"kind":"random"}""",
        ]);
        Assert.Equal([1, 3], NewRows.Of(dir.Path));
        File.AppendAllText(dir.File(NewRows.InitLogFile), "{\"kind\":\"mean\"}\n");
        var e = Assert.Throws<LepInputException>(() => NewRows.Of(dir.Path));
        Assert.Contains("init_log.jsonl:5", e.Message);
    }

    [Fact]
    public void EmbeddingsOnlyTrainingLeavesEveryOtherTensorUntouched()
    {
        using var dir = new TempDir();
        var o = new TrainingOptions { Steps = 5, BlockSize = 32, BatchSize = 2, Trainable = TrainableSet.EmbeddingsAndHead, WarmupSteps = 1, EvalEvery = 0, CheckpointEvery = 0 };
        var (lm, trainer) = NewRun(dir.Path, o);
        using var _ = lm;
        var before = lm.HfParameters().ToDictionary(p => p.Name, p => p.Parameter.detach().clone());
        trainer.Run();
        foreach (var (name, p) in lm.HfParameters())
        {
            bool changed = Numerics.MaxAbsDiff(p, before[name]) > 0;
            Assert.Equal(name is "model.embed_tokens.weight" or "lm_head.weight", changed);
        }
    }
}

public class LossMaskTests
{
    [Fact]
    public void OnlyLearnableTokensBecomeTargets()
    {
        var doc = new TrainingDocument([1, 2, 3, 4, 5], [false, false, true, true, false]);
        var row = Assert.Single(DocumentPacker.Pack([doc], 6));
        Assert.Equal([-100L, 3, 4, -100, -100, -100], row.Targets);
    }
}

public class ChatDocumentTests
{
    [Fact]
    public void OnlyAssistantRepliesAndTheirEndMarkersAreLearned()
    {
        var tokenizerJson = Lep.Tests.Gguf.TinyTokenizers.ByteLevel();
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer.json"), tokenizerJson.ToJsonString());
        var tokenizer = Lep.Tokenization.Tokenizer.Load(dir.Path);
        var template = Lep.Tokenization.ChatTemplates.ChatTemplate.Parse(
            "{% for m in messages %}<|begin_of_text|>{{ m['role'] }}\n{{ m['content'] }}<|eot_id|>\n{% endfor %}{% if add_generation_prompt %}<|begin_of_text|>assistant\n{% endif %}");
        var conversation = new List<Lep.Data.ChatMessage> { new("user", "hello"), new("assistant", "привет"), new("user", "again"), new("assistant", "ok") };
        TrainingDocument doc = ChatDocuments.Encode(tokenizer, template, conversation);
        string learned = tokenizer.Decode(doc.Tokens.Where((_, i) => doc.Learn![i]), skipSpecialTokens: false);
        Assert.Equal("привет<|eot_id|>\nok<|eot_id|>\n", learned);
        Assert.Equal(template.Render(conversation, false), tokenizer.Decode(doc.Tokens, skipSpecialTokens: false));
    }
}
