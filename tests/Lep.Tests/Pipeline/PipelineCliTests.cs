using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lep.Calibration;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Pipeline;
using Lep.Tests.Adaptation;
using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Training;
using static TorchSharp.torch;

namespace Lep.Tests.Pipeline;

/// <summary>`lep pipeline run` end to end on tiny random models: tokenizer → init → train → propagate.</summary>
public class PipelineCliTests
{
    /// <summary>B and I (tiny byte-level models with specials and a chat template), a small Russian/English corpus,
    /// and the pipeline file beside them (relative paths).</summary>
    private static string Setup(TempDir dir, Func<string, string>? edit = null, bool models = true)
    {
        if (models) AdaptationFixtures.Create(dir.Path);
        var rng = new Random(3);
        string[] words = ["привет", "мир", "слово", "кот", "дом", "вода", "книга", "город", "the", "world", "hello", "cat", "летом", "зимой", "хорошо"];
        var docs = Enumerable.Range(0, 120).Select(_ => string.Join(' ', Enumerable.Range(0, 12 + rng.Next(12)).Select(_ => words[rng.Next(words.Length)])) + ".");
        File.WriteAllText(dir.File("corpus.txt"), string.Join("\n\n", docs) + "\n", new UTF8Encoding(false));
        string json = """
            {
              "stages": [
                {"name": "tok", "kind": "tokenizer", "op": "train", "type": "bpe", "vocab-size": 300, "corpus": "corpus.txt", "source": "base"},
                {"name": "donor", "kind": "init", "base": "base", "tokenizer": "@tok", "method": "mean"},
                {"name": "train", "kind": "train", "model": "@donor", "corpus": "corpus.txt", "trainable": "embeddings",
                 "steps": 4, "block-size": 32, "batch-size": 2, "lr": 0.01, "warmup": 1, "eval-every": 2, "checkpoint-every": 2, "storage": "f32"},
                {"name": "lep", "kind": "propagate", "base": "base", "instruct": "instruct", "donor": "@train", "mode": "conversion"}
              ]
            }
            """;
        string path = dir.File("lep.json");
        File.WriteAllText(path, edit is null ? json : edit(json));
        return path;
    }

    private static string Work(TempDir dir, string stage = "") => Path.Combine(dir.File("lep.work"), stage);

    /// <summary>The plan line of a stage: "  3  train  train  rerun  forced".</summary>
    private static void AssertPlanned(string stdout, string stage, string state) =>
        Assert.Matches(new Regex($@"^\s*\d+\s+{stage}\s+\S+\s+{state}\b", RegexOptions.Multiline), stdout);

    private static LepProcess.Result Ok(params string[] args)
    {
        var r = LepProcess.Run(args);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.StdOut}\n{r.StdErr}");
        return r;
    }

    private static void AssertLoadable(string dir)
    {
        var tok = Tokenizer.Load(dir);
        using var lm = LlamaForCausalLM.Load(dir);
        Assert.Equal(tok.VocabSize, lm.Config.VocabSize);
        int[] ids = tok.Encode("привет, мир", addSpecialTokens: true);
        using var _ = no_grad();
        using Tensor logits = lm.Forward(Numerics.Ids(ids));
        Assert.Equal([1L, ids.Length, lm.Config.VocabSize], logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void Four_stages_run_then_skip_then_a_changed_train_stage_refuses_until_forced()
    {
        using var dir = new TempDir();
        string file = Setup(dir);

        var first = Ok("pipeline", "run", file);
        foreach (string stage in new[] { "tok", "donor", "train", "lep" }) AssertPlanned(first.StdOut, stage, "run");
        Assert.Contains("[4/4] lep: done in", first.StdOut);
        Assert.Contains("stage times:", first.StdOut);
        AssertLoadable(Work(dir, "lep"));
        Assert.True(File.Exists(Path.Combine(Work(dir, "train"), "model.safetensors")));
        Assert.True(StageMarker.TryRead(Work(dir, "lep"), "lep")!.Done);
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(Work(dir, "lep"), "model.safetensors"));

        var clock = Stopwatch.StartNew();
        var second = Ok("pipeline", "run", file);
        clock.Stop();
        foreach (string stage in new[] { "tok", "donor", "train", "lep" }) AssertPlanned(second.StdOut, stage, "skip");
        Assert.Contains("nothing to do", second.StdOut);
        Assert.DoesNotContain("[1/4]", second.StdOut);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 20);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(Work(dir, "lep"), "model.safetensors")));

        File.WriteAllText(file, File.ReadAllText(file).Replace("\"lr\": 0.01", "\"lr\": 0.02"));
        var refused = LepProcess.Run("pipeline", "run", file);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"error: {file}: stage 'train': options changed since it ran (lr 0.01 → 0.02); add --force train", refused.StdErr);
        AssertPlanned(refused.StdOut, "train", "changed");
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(Work(dir, "lep"), "model.safetensors")));

        var dry = Ok("pipeline", "run", file, "--force", "train", "--dry-run");
        Assert.Contains("dry run", dry.StdOut);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(Work(dir, "lep"), "model.safetensors")));

        var forced = Ok("pipeline", "run", file, "--force", "train");
        AssertPlanned(forced.StdOut, "tok", "skip");
        AssertPlanned(forced.StdOut, "donor", "skip");
        AssertPlanned(forced.StdOut, "train", "rerun");
        AssertPlanned(forced.StdOut, "lep", "rerun");
        Assert.Contains("'train' runs before it", forced.StdOut);
        Assert.Equal(0.02, StageMarker.TryRead(Work(dir, "train"), "train")!.Options["lr"]!.GetValue<double>());
        AssertLoadable(Work(dir, "lep"));

        var show = Ok("pipeline", "show", file);
        Assert.Contains("donor = @train (" + Work(dir, "train") + ")", show.StdOut);
        Assert.Contains("skip: done", show.StdOut);
    }

    /// <summary>The 4 stages + eval (instruct vs the propagated model, bits/char on the corpus) + GGUF export.</summary>
    private static string WithEvalAndGguf(string json) => json.Replace("\"mode\": \"conversion\"}",
        "\"mode\": \"conversion\"},\n" +
        "{\"name\": \"eval\", \"kind\": \"eval\", \"model\": [\"instruct\", \"@lep\"], \"suite\": \"corpus.txt\", \"limit\": 3, \"no-speed\": true},\n" +
        "{\"name\": \"gguf\", \"kind\": \"gguf\", \"model\": \"@lep\", \"outtype\": \"f32\"}");

    [Fact]
    public void A_run_stopped_after_two_stages_finishes_on_the_next_run()
    {
        using var dir = new TempDir();
        string file = Setup(dir, WithEvalAndGguf);

        var part = Ok("pipeline", "run", file, "--only", "tok", "--only", "donor");
        AssertPlanned(part.StdOut, "train", "not selected");
        Assert.True(StageMarker.TryRead(Work(dir, "donor"), "donor")!.Done);
        Assert.False(Directory.Exists(Work(dir, "train")));
        // the temp dir a run killed in the middle of the (staged) `lep` stage leaves behind
        Directory.CreateDirectory(Path.Combine(Work(dir), ".lep.staging-999999"));

        var rest = Ok("pipeline", "run", file);
        AssertPlanned(rest.StdOut, "tok", "skip");
        AssertPlanned(rest.StdOut, "donor", "skip");
        AssertPlanned(rest.StdOut, "train", "run");
        AssertPlanned(rest.StdOut, "lep", "run");
        AssertPlanned(rest.StdOut, "eval", "run");
        AssertPlanned(rest.StdOut, "gguf", "run");
        AssertLoadable(Work(dir, "lep"));
        Assert.Contains("\"lep\"", File.ReadAllText(Path.Combine(Work(dir, "eval"), "results.json")));
        Assert.True(File.Exists(Path.Combine(Work(dir, "eval"), "report.md")));
        Assert.True(new FileInfo(Path.Combine(Work(dir, "gguf"), "model.gguf")).Length > 10_000);
        Assert.False(Directory.Exists(Path.Combine(Work(dir), ".lep.staging-999999")));
        Assert.Equal(["donor", "eval", "gguf", "lep", "tok", "train", "train.run"],
            Directory.EnumerateDirectories(Work(dir)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    /// <summary>The 4 stages (training only the rows `lep init` did not copy, read from @donor's init_log.jsonl) + a
    /// calibration of the propagated model: self-calibration with the instruct model as teacher + a Russian copy task, LoRA.</summary>
    private static string WithCalibration(string json) => json
        .Replace("\"trainable\": \"embeddings\",", "\"trainable\": \"embeddings\", \"new-rows-only\": true,")
        .Replace("\"mode\": \"conversion\"}", "\"mode\": \"conversion\"},\n" +
            "{\"name\": \"cal\", \"kind\": \"calibrate\", \"model\": \"@lep\", \"teacher\": \"instruct\", \"prompts\": \"prompts.txt\", \"max-new-tokens\": 6, " +
            "\"copy-from\": \"corpus.txt\", \"copy-count\": 8, \"copy-lang\": \"ru\", \"steps\": 4, \"block-size\": 64, \"batch-size\": 2, \"warmup\": 1, " +
            "\"checkpoint-every\": 2, \"lora-rank\": 4, \"lora-alpha\": 8}");

    [Fact]
    public void A_calibrate_stage_writes_a_loadable_calibrated_model_and_a_rerun_skips_it()
    {
        using var dir = new TempDir();
        string file = Setup(dir, WithCalibration);
        File.WriteAllText(dir.File("prompts.txt"), "Привет, мир\nHello world\nКто ты?\n");

        var first = Ok("pipeline", "run", file);
        AssertPlanned(first.StdOut, "cal", "run");
        Assert.Matches(@"\[3/5\] train: done in .*, [\d,]+ new rows", first.StdOut);
        Assert.Matches(@"\[5/5\] cal: done in .* — \d+ copy, \d+ self conversations, .* 4 steps, loss", first.StdOut);
        string cal = Work(dir, "cal");
        AssertLoadable(cal);
        JsonObject report = JsonFile.ReadObject(Path.Combine(cal, Calibrator.ReportFile));
        Assert.Equal(3, (int)report["sources"]!["self"]!["prompts"]!);
        Assert.Equal(Path.GetFullPath(dir.File("instruct")), (string)report["sources"]!["self"]!["teacher"]!);
        Assert.InRange((int)report["sources"]!["copy"]!["conversations"]!, 1, 8);
        Assert.Equal("ru", (string)report["sources"]!["copy"]!["language"]!);
        Assert.Equal(4, (int)report["steps"]!);
        Assert.Equal("Lora", (string)report["trainable"]!);
        Assert.Equal(4, (int)report["options"]!["Lora"]!["Rank"]!);
        Assert.True(File.Exists(Path.Combine(TrainingJob.RunDirectoryFor(cal), SelfCalibration.CacheFile)));
        Assert.True(StageMarker.TryRead(cal, "cal")!.Done);
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(cal, "model.safetensors"));

        var second = Ok("pipeline", "run", file);
        foreach (string stage in new[] { "tok", "donor", "train", "lep", "cal" }) AssertPlanned(second.StdOut, stage, "skip");
        Assert.Contains("nothing to do", second.StdOut);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(cal, "model.safetensors")));
    }

    [Theory]
    [InlineData("\"lr\": 0.01", "\"lrr\": 0.01", "stage 'train': unknown option 'lrr' (did you mean 'lr'?)")]
    [InlineData("\"tokenizer\": \"@tok\"", "\"tokenizer\": \"@lep\"", "stage 'donor': option 'tokenizer': '@lep' refers to stage 'lep', which comes later in the file")]
    [InlineData("\"kind\": \"propagate\"", "\"kind\": \"calibration\"", "stage 'lep': unknown kind 'calibration'")]
    [InlineData("\"mode\": \"conversion\"}", "\"mode\": \"conversion\"}, {\"name\": \"cal\", \"kind\": \"calibrate\", \"model\": \"@lep\", \"steps\": 20}",
        "stage 'cal': no calibration data: give \"teacher\" + \"prompts\" (self-calibration), \"sft\" and/or \"copy-from\" (copy task)")]
    [InlineData("\"mode\": \"conversion\"}", "\"mode\": \"conversion\"}, {\"name\": \"cal\", \"kind\": \"calibrate\", \"model\": \"@lep\", \"teacher\": \"instruct\"}",
        "stage 'cal': option 'prompts': missing: self-calibration needs both \"teacher\" and \"prompts\"")]
    [InlineData("\"trainable\": \"embeddings\"", "\"trainable\": \"lora\", \"lora-rank\": 0", "stage 'train': option 'lora-rank': must be ≥ 1, not 0")]
    [InlineData("\"trainable\": \"embeddings\"", "\"trainable\": \"all\", \"new-rows-only\": true", "stage 'train': option 'new-rows-only': needs \"trainable\": \"embeddings\"")]
    public void A_bad_file_exits_2_naming_the_stage_and_writes_nothing(string from, string to, string message)
    {
        using var dir = new TempDir();
        string file = Setup(dir, json => json.Replace(from, to), models: false);   // validation fails before inputs are looked at
        var r = LepProcess.Run("pipeline", "run", file);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"error: {file}: {message}", r.StdErr);
        Assert.False(Directory.Exists(Work(dir)));
    }
}
