using System.Text.Json.Nodes;
using Lep.Calibration;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tests.Adaptation;
using Lep.Tests.Gguf;
using Lep.Tests.Support;
using Lep.Training;

namespace Lep.Tests.Calibration;

/// <summary>A teacher (old byte-level vocabulary, f32) and a "LEP model" (another vocabulary, bf16), each with its
/// own chat template and generation_config.json.</summary>
public static class CalibrationFixtures
{
    public sealed record Pair(string Teacher, string Model);

    private const string TeacherTemplate =
        "{% for m in messages %}<|begin_of_text|>{{ m['role'] }}\n{{ m['content'] }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|begin_of_text|>assistant\n{% endif %}";
    private const string ModelTemplate =
        "{% for m in messages %}<|begin_of_text|>{{ m['role'] }}: {{ m['content'] }}<|end_of_text|>{% endfor %}{% if add_generation_prompt %}<|begin_of_text|>assistant: {% endif %}";

    public static Pair Create(string root)
    {
        string teacher = Path.Combine(root, "teacher"), model = Path.Combine(root, "model");
        JsonObject oldTok = TinyTokenizers.ByteLevel();
        int oldVocab = TinyTokenizers.Size(oldTok), eot = oldVocab - 1;
        var teacherConfig = ModelConfig.Create("LlamaForCausalLM", oldVocab, 32, 64, 2, 4, 2, bosTokenId: oldVocab - 3, eosTokenId: eot);
        JsonObject tc = TinyTokenizers.ByteLevelConfig();
        tc["chat_template"] = TeacherTemplate;
        TinyModel.Write(teacher, teacherConfig, DType.F32, 11, oldTok, tc);
        JsonFile.Write(Path.Combine(teacher, "generation_config.json"), new JsonObject { ["eos_token_id"] = new JsonArray(eot) });

        JsonObject newTok = AdaptationFixtures.NewByteLevel();
        int newVocab = TinyTokenizers.Size(newTok);
        var modelConfig = ModelConfig.Create("LlamaForCausalLM", newVocab, 32, 64, 2, 4, 2, bosTokenId: newVocab - 2, eosTokenId: newVocab - 1);
        JsonObject mc = AdaptationFixtures.NewTokenizerConfig();
        mc["chat_template"] = ModelTemplate;
        TinyModel.Write(model, modelConfig, DType.BF16, 12, newTok, mc);
        JsonFile.Write(Path.Combine(model, "generation_config.json"), new JsonObject { ["eos_token_id"] = newVocab - 1 });
        return new Pair(teacher, model);
    }

    public static TrainingOptions Training(TrainableSet set = TrainableSet.Lora) => Calibrator.DefaultTraining with
    {
        Steps = 16,
        BlockSize = 64,
        BatchSize = 4,
        LearningRate = 1e-2,
        WarmupSteps = 2,
        CheckpointEvery = 0,
        Seed = 3,
        Trainable = set,
        Lora = new LoraOptions { Rank = 4, Alpha = 8 },
    };

    public const string RussianText =
        "Кошка спит на тёплом окне. Собака лает во дворе весь день. Мы пьём чай с мёдом.\n" +
        "Утром шёл мелкий дождь. Дети играют в саду у реки. Старый дом стоит на холме.\n\n" +
        "Поезд уходит в семь часов. Она читает новую книгу. Ветер гонит жёлтые листья по дороге.\n" +
        "Зимой здесь очень холодно. Мой брат работает в большом городе. Вечером мы смотрели на звёзды.\n\n" +
        "Это предложение слишком длинное для задачи копирования, потому что в нём гораздо больше двадцати слов, и поэтому оно не должно попасть в набор примеров ни при каком зерне.\n";

    public static void AssertLoadableLike(string input, string output)
    {
        using (var lm = LlamaForCausalLM.Load(output)) Assert.False(lm.HasLora);
        using var a = CheckpointReader.Open(input);
        using var b = CheckpointReader.Open(output);
        CheckpointAssert.SameLayout(a, b);
        foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json", "generation_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(input, file)), File.ReadAllBytes(Path.Combine(output, file)));
    }

    public static JsonObject Report(string output) => JsonFile.ReadObject(Path.Combine(output, Calibrator.ReportFile));
}

public class CalibrationTests
{
    [Fact]
    public void SelfCalibrationLearnsTheTeachersAnswersAndReusesThemOnRerun()
    {
        using var dir = new TempDir();
        var pair = CalibrationFixtures.Create(dir.Path);
        File.WriteAllText(dir.File("prompts.txt"), "Hello there\n\nTranslate: the world\nПривет, мир\nCount to five\nWhat is a cat?\nSay something\n");
        string output = dir.File("out");
        var options = new CalibrationOptions
        {
            Model = pair.Model, Output = output, Training = CalibrationFixtures.Training(),
            Sources = new CalibrationSources { SelfCalibration = new SelfCalibrationSource(pair.Teacher, dir.File("prompts.txt")) { MaxNewTokens = 10 } },
        };
        CalibrationResult result = Calibrator.Run(options);

        Assert.True(result.FinalLoss < result.FirstLoss - 0.5, $"loss {result.FirstLoss} → {result.FinalLoss}");
        CalibrationFixtures.AssertLoadableLike(pair.Model, output);
        JsonObject self = CalibrationFixtures.Report(output)["sources"]!["self"]!.AsObject();
        Assert.Equal(6, (int)self["prompts"]!);
        Assert.Equal(6, (int)self["generated"]!);
        Assert.Equal(result.ConversationsBySource["self"], (int)self["conversations"]!);
        Assert.True(result.ConversationsBySource["self"] >= 4, "most random-teacher answers should be non-empty");
        string cache = Path.Combine(TrainingJob.RunDirectoryFor(output), SelfCalibration.CacheFile);
        Assert.Equal(6, File.ReadAllLines(cache).Length);

        // The same command again: answers come from the cache and training resumes from its last checkpoint.
        byte[] weights = File.ReadAllBytes(Path.Combine(output, "model.safetensors"));
        CalibrationResult again = Calibrator.Run(options);
        self = CalibrationFixtures.Report(output)["sources"]!["self"]!.AsObject();
        Assert.Equal(0, (int)self["generated"]!);
        Assert.Equal(6, (int)self["cached"]!);
        Assert.True(again.Training.Resumed);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
    }

    [Fact]
    public void SftCalibrationOfAllParametersLowersTheLoss()
    {
        using var dir = new TempDir();
        var pair = CalibrationFixtures.Create(dir.Path);
        string sft = dir.File("sft.jsonl");
        File.WriteAllLines(sft,
        [
            """{"messages": [{"role": "user", "content": "Как дела?"}, {"role": "assistant", "content": "Хорошо, спасибо."}]}""",
            "",
            """{"prompt": "Say hello", "response": "Привет, мир!"}""",
            """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "the world"}, {"role": "assistant", "content": "мир"}, {"role": "user", "content": "cat"}, {"role": "assistant", "content": "кот"}]}""",
            """{"id": "t1", "kind": "copy", "lang": "ru", "text_lang": "ru", "prompt": "Повтори: слово", "answer": "слово", "source": "test"}""",
        ]);
        string output = dir.File("out");
        CalibrationResult result = Calibrator.Run(new CalibrationOptions
        {
            Model = pair.Model, Output = output, Training = CalibrationFixtures.Training(TrainableSet.All),
            Sources = new CalibrationSources { Sft = sft },
        });
        Assert.Equal(4, result.ConversationsBySource["sft"]);
        Assert.True(result.FinalLoss < result.FirstLoss - 0.5, $"loss {result.FirstLoss} → {result.FinalLoss}");
        CalibrationFixtures.AssertLoadableLike(pair.Model, output);
        Assert.Equal(4, (int)CalibrationFixtures.Report(output)["sources"]!["sft"]!["conversations"]!);
    }

    [Fact]
    public void CopyTaskTakesShortSentencesDeterministically()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("text.txt"), CalibrationFixtures.RussianText);
        var source = new CopyTaskSource(dir.File("text.txt"), 5) { Language = "ru" };
        var a = CopyTask.Conversations(source, 1);
        Assert.Equal(5, a.Count);
        Assert.Equal(a.Select(c => c[1].Content), CopyTask.Conversations(source, 1).Select(c => c[1].Content));
        Assert.NotEqual(a.Select(c => c[1].Content), CopyTask.Conversations(source, 2).Select(c => c[1].Content));
        foreach (var c in a)
        {
            Assert.Equal($"Повтори в точности: {c[1].Content}", c[0].Content);
            Assert.True(c[1].Content.Split(' ').Length <= 20);
        }
        var all = CopyTask.Conversations(source with { Count = 100 }, 1);
        Assert.Equal(12, all.Count); // every short sentence once; the long one never
        Assert.Equal("Repeat exactly: x", CopyTask.Prompt("x", "en"));
    }

    [Fact]
    public void CopyTaskThroughTheCliWritesALoadableModelWithLowerLoss()
    {
        using var dir = new TempDir();
        var pair = CalibrationFixtures.Create(dir.Path);
        File.WriteAllText(dir.File("text.txt"), CalibrationFixtures.RussianText);
        string output = dir.File("out");
        var r = LepProcess.Run("calibrate", pair.Model, "--out", output, "--copy-from", dir.File("text.txt"), "--copy-count", "10", "--copy-lang", "ru",
            "--steps", "16", "--lr", "0.01", "--batch-size", "4", "--block-size", "64", "--warmup", "2", "--lora-rank", "4", "--lora-alpha", "8",
            "--lora-targets", "q_proj,v_proj,down_proj");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("10 copy conversations", r.StdOut);
        CalibrationFixtures.AssertLoadableLike(pair.Model, output);
        JsonObject report = CalibrationFixtures.Report(output);
        Assert.Equal(10, (int)report["sources"]!["copy"]!["conversations"]!);
        Assert.True((double)report["final_loss"]! < (double)report["first_loss"]! - 0.5, report.ToJsonString());
        // Only the targeted projections changed; bf16 in, bf16 out.
        using var a = CheckpointReader.Open(pair.Model);
        using var b = CheckpointReader.Open(output);
        foreach (string name in a.Names)
        {
            bool target = name.EndsWith("q_proj.weight") || name.EndsWith("v_proj.weight") || name.EndsWith("down_proj.weight");
            Assert.True(a.GetBytes(name).SequenceEqual(b.GetBytes(name)) != target, name);
        }
    }

    [Fact]
    public void BadSftLineIsAnInputErrorNamingFileAndLine()
    {
        using var dir = new TempDir();
        var pair = CalibrationFixtures.Create(dir.Path);
        string sft = dir.File("sft.jsonl");
        File.WriteAllText(sft, "{\"prompt\": \"a\", \"response\": \"b\"}\n\n{\"messages\": [{\"role\": \"user\"}]}\n");
        var r = LepProcess.Run("calibrate", pair.Model, "--out", dir.File("out"), "--sft", sft);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{sft}:3", r.StdErr);
        Assert.Single(r.StdErr.Split('\n'), l => l.StartsWith("error:"));
        Assert.False(Directory.Exists(dir.File("out")));

        var e = Assert.Throws<LepInputException>(() => ConversationFiles.ReadSft(WriteLines(dir.File("b.jsonl"), "{\"prompt\": \"a\", \"response\": \"b\"}", "not json")));
        Assert.Equal(dir.File("b.jsonl") + ":2", e.Path);
        e = Assert.Throws<LepInputException>(() => ConversationFiles.ReadSft(WriteLines(dir.File("c.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")));
        Assert.Equal(dir.File("c.jsonl") + ":1", e.Path);
    }

    private static string WriteLines(string path, params string[] lines)
    {
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void CalibrateWithoutASourceIsAUsageError()
    {
        using var dir = new TempDir();
        var none = LepProcess.Run("calibrate", dir.Path, "--out", dir.File("out"));
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("at least one source", none.StdErr);
        var half = LepProcess.Run("calibrate", dir.Path, "--out", dir.File("out"), "--teacher", dir.Path);
        Assert.Equal(2, half.ExitCode);
        Assert.Contains("--teacher and --prompts", half.StdErr);
        Assert.Throws<ArgumentException>(() => Calibrator.Run(new CalibrationOptions { Model = dir.Path, Output = dir.File("out"), Sources = new() }));
    }
}
