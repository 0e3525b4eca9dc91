using System.Text.Json.Nodes;
using Lep.Options;
using Lep.Pipeline;
using Lep.Tests.Support;

namespace Lep.Tests.Pipeline;

/// <summary>Loading, validation, planning and running with fake stage kinds (no models, no TorchSharp): fast.</summary>
public class PipelineFileTests
{
    private static readonly OptionSpec<string> Text = new("text", "test", "", null, required: true);
    private static readonly OptionSpec<string?> Note = OptionSpec.OptionalText("note", "test");
    private static readonly OptionSpec<string?> Input = OptionSpec.OptionalPath("input", "test");
    private static readonly OptionSpec<int> Steps = OptionSpec.RequiredInt("steps", "test");

    /// <summary>"write": a staged kind that writes out.txt = (input's out.txt) + text, and counts its runs.</summary>
    private sealed class WriteKind : StageKind
    {
        public List<string> Runs { get; } = [];
        public override string Name => "write";
        public override string Description => "test";

        public override StageAction Bind(StageOptions o)
        {
            string text = o.Get(Text);
            string? input = o.Get(Input);
            o.Get(Note);
            return ctx =>
            {
                Runs.Add(ctx.Name);
                string before = input is null ? "" : File.ReadAllText(Path.Combine(input, "out.txt"));
                File.WriteAllText(Path.Combine(ctx.Output, "out.txt"), before + text);
                return $"wrote {before + text}";
            };
        }
    }

    /// <summary>"steps": an in-place kind that does N steps, keeping its progress in the artifact dir; it "dies"
    /// (throws) once after step <see cref="DieAfter"/>, like a killed training run.</summary>
    private sealed class StepsKind : StageKind
    {
        public List<int> Done { get; } = [];
        public int? DieAfter { get; set; }
        public override string Name => "steps";
        public override string Description => "test";
        public override StageWriting Writing => StageWriting.InPlace;
        public override IEnumerable<string> ScratchPaths(string artifactDirectory) => [artifactDirectory + ".run"];

        public override StageAction Bind(StageOptions o)
        {
            int steps = o.Get(Steps);
            string? input = o.Get(Input);
            return ctx =>
            {
                Directory.CreateDirectory(ctx.ArtifactDirectory + ".run");
                string state = Path.Combine(ctx.ArtifactDirectory + ".run", "progress");
                int start = File.Exists(state) ? int.Parse(File.ReadAllText(state)) : 0;
                for (int s = start + 1; s <= steps; s++)
                {
                    Done.Add(s);
                    File.WriteAllText(state, s.ToString());
                    if (DieAfter == s)
                    {
                        DieAfter = null;
                        throw new IOException("killed");
                    }
                }
                File.WriteAllText(Path.Combine(ctx.Output, "result.txt"), $"{steps}");
                return $"{steps} steps" + (ctx.Resuming ? " (resumed)" : "");
            };
        }
    }

    private static PipelineDefinition Load(TempDir dir, string json, StageKindRegistry? kinds = null, Func<string, string?>? env = null)
    {
        string path = dir.File("p.json");
        File.WriteAllText(path, json);
        return PipelineDefinition.Load(path, new PipelineLoadOptions { Kinds = kinds, Environment = env ?? (_ => null) });
    }

    private static string LoadError(TempDir dir, string json, StageKindRegistry? kinds = null) =>
        Assert.Throws<LepInputException>(() => Load(dir, json, kinds)).Message;

    private static Dictionary<string, StageState> States(PipelinePlan plan) => plan.Stages.ToDictionary(s => s.Stage.Name, s => s.State);

    private const string Chain = """
        {"stages": [
          {"name": "a", "kind": "write", "text": "A"},
          {"name": "b", "kind": "write", "text": "B", "input": "@a"},
          {"name": "c", "kind": "write", "text": "C", "input": "@b"},
          {"name": "x", "kind": "write", "text": "X", "input": "@a"}
        ]}
        """;

    [Fact]
    public void Validation_reports_every_problem_with_the_stage_and_option()
    {
        using var dir = new TempDir();
        string message = LoadError(dir, """
            // comments and trailing commas are allowed
            {"stages": [
              {"name": "tok", "kind": "tokenizer", "op": "train", "type": "bpe", "vocab-size": 300, "corpus": "c.txt", "lrr": 1},
              {"name": "donor", "kind": "init", "base": "b", "tokenizer": "@later", "methd": "mean"},
              {"name": "cal", "kind": "calibrate"},
              {"name": "q", "kind": "quantize"},
              {"name": "later", "kind": "train", "model": "@donor", "corpus": "c.txt", "steps": "ten", "lr": "${UNSET_VAR}", "out": "x", "device": "gpu"},
              {"name": "p", "kind": "propagate", "base": "b", "instruct": "i", "donor": "@nowhere", "mode": "cooccurrence"},
              {"name": "tok", "kind": "init"},
            ]}
            """);
        string[] lines = message.Split('\n');
        Assert.All(lines.Skip(1), l => Assert.StartsWith($"error: {dir.File("p.json")}: ", l));
        Assert.Contains("stage 'tok': unknown option 'lrr'", message);
        Assert.Contains("stage 'donor': unknown option 'methd' (did you mean 'method'?)", message);
        Assert.Contains("stage 'donor': option 'tokenizer': '@later' refers to stage 'later', which comes later in the file", message);
        Assert.Contains("stage 'cal': option 'model': missing (required)", message);
        Assert.Contains("stage 'cal': no calibration data: give \"teacher\" + \"prompts\" (self-calibration), \"sft\" and/or \"copy-from\"", message);
        Assert.Contains("stage 'q': unknown kind 'quantize' (known: corpus, tasks, concat, tokenizer, init, train, propagate, chat-vector, merge, prompts, calibrate, eval-suite, eval, select, report, gguf, diagnose, mix, zoo-tokenizer, zoo-init, zoo-instruct-init, instruct-tune, zoo-publish)", message);
        Assert.Contains("stage 'later': option 'steps': expected an integer, got \"ten\"", message);
        Assert.Contains("stage 'later': option 'lr': environment variable UNSET_VAR is not set", message);
        Assert.Contains("stage 'later': option 'out': a stage writes to its own artifact dir", message);
        Assert.Contains("stage 'later': option 'device': 'gpu' is not a device (expected cpu, cuda, cuda:N or auto)", message);
        Assert.Contains("stage 'p': option 'donor': '@nowhere' refers to no stage named 'nowhere'", message);
        Assert.Contains("stage 'p': option 'corpus': required with \"mode\": \"cooccurrence\"", message);
        Assert.Contains("stage 'tok': the name is used twice", message);
        Assert.False(Directory.Exists(dir.File("p.work")));
    }

    /// <summary>The calibrate kind's and the train kind's LoRA / new-rows options: each bad combination is an error
    /// naming the stage and the option, found at load.</summary>
    [Theory]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "teacher": "i"}""",
        "stage 'c': option 'prompts': missing: self-calibration needs both \"teacher\" and \"prompts\"")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "prompts": "p.txt"}""",
        "stage 'c': option 'teacher': missing: self-calibration needs both \"teacher\" (the original instruct model) and \"prompts\"")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "steps": 20}""", "stage 'c': no calibration data")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "sft": "s.jsonl", "copy-count": 5}""", "stage 'c': option 'copy-count': only applies with \"copy-from\"")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "copy-from": "t.txt", "copy-lang": "de"}""", "stage 'c': option 'copy-lang': 'de' is not one of en, ru")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "copy-from": "t.txt", "max-new-tokens": 9}""", "stage 'c': option 'max-new-tokens': only applies to self-calibration")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "copy-from": "t.txt", "lora-rank": 0}""", "stage 'c': option 'lora-rank': must be ≥ 1, not 0")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "copy-from": "t.txt", "lora-targets": "q_proj,x_proj"}""", "stage 'c': option 'lora-targets': 'x_proj' is not a projection")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "copy-from": "t.txt", "trainable": "all", "lora-alpha": 4}""", "stage 'c': option 'lora-alpha': only applies with \"trainable\": \"lora\"")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "copy-from": "t.txt", "trainable": "embeddings"}""", "stage 'c': option 'trainable': 'embeddings' is not one of lora, all")]
    [InlineData("""{"name": "c", "kind": "calibrate", "model": "m", "copy-from": "t.txt", "steps": 5, "warmup": 10}""", "stage 'c': option 'warmup': must be ≤ \"steps\" (10 > 5)")]
    [InlineData("""{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "trainable": "lora", "lora-rank": 0}""", "stage 't': option 'lora-rank': must be ≥ 1, not 0")]
    [InlineData("""{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "trainable": "lora", "lora-alpha": -1}""", "stage 't': option 'lora-alpha': must be a finite number > 0, not -1")]
    [InlineData("""{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "lora-rank": 4}""", "stage 't': option 'lora-rank': only applies with \"trainable\": \"lora\"")]
    [InlineData("""{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "new-rows-only": true}""", "stage 't': option 'new-rows-only': needs \"trainable\": \"embeddings\"")]
    [InlineData("""{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "trainable": "lora", "new-rows-only": true}""", "stage 't': option 'new-rows-only': needs \"trainable\": \"embeddings\"")]
    [InlineData("""{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "trainable": "embeddings", "new-rows-only": true, "new-rows-from": 5}""", "stage 't': option 'new-rows-only': cannot be combined with \"new-rows-from\"")]
    [InlineData("""{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "trainable": "embeddings", "new-rows-only": "yes"}""", "stage 't': option 'new-rows-only': expected true or false")]
    public void Calibrate_and_lora_options_are_checked_at_load(string stage, string message)
    {
        using var dir = new TempDir();
        string error = LoadError(dir, $$"""{"stages": [{{stage}}]}""");
        Assert.StartsWith($"{dir.File("p.json")}: {message}", error);
        Assert.DoesNotContain('\n', error);   // that problem only
    }

    [Fact]
    public void Calibrate_and_lora_stages_load_with_the_cli_defaults_and_their_references()
    {
        using var dir = new TempDir();
        var p = Load(dir, """
            {"stages": [
              {"name": "donor", "kind": "init", "base": "b", "tokenizer": "t"},
              {"name": "emb", "kind": "train", "model": "@donor", "corpus": "c.txt", "trainable": "embeddings", "new-rows-only": true},
              {"name": "lep", "kind": "propagate", "base": "b", "instruct": "i", "donor": "@emb"},
              {"name": "tune", "kind": "train", "model": "@lep", "corpus": "c.txt", "trainable": "lora", "lora-targets": ["q_proj", "v_proj"], "lora-embeddings": true},
              {"name": "cal", "kind": "calibrate", "model": "@lep", "teacher": "i", "prompts": "@tune/prompts.txt", "sft": "s.jsonl",
               "copy-from": "t.txt", "copy-lang": "ru", "lora-rank": 4, "storage": "f32"}
            ]}
            """);
        Assert.Equal(["init", "train", "propagate", "train", "calibrate"], p.Stages.Select(s => s.Kind.Name));
        Assert.Equal(["lep", "tune"], p.Find("cal")!.Dependencies);
        Assert.Equal(StageWriting.InPlace, p.Find("cal")!.Kind.Writing);
        Assert.Equal([Path.Combine(p.WorkDirectory, "cal.run")], p.Find("cal")!.Kind.ScratchPaths(Path.Combine(p.WorkDirectory, "cal")));
        Assert.Equal("@tune/prompts.txt", p.Find("cal")!.Options["prompts"]!.GetValue<string>());
        Assert.True(p.Find("emb")!.Options["new-rows-only"]!.GetValue<bool>());
        Assert.Equal(["q_proj", "v_proj"], p.Find("tune")!.Options["lora-targets"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Tokenizer_op_decides_its_options_and_a_missing_op_is_one_clear_error()
    {
        using var dir = new TempDir();
        Assert.Contains("stage 't': option 'op': missing (required; one of train, extend, replace, trim)",
            LoadError(dir, """{"stages": [{"name": "t", "kind": "tokenizer", "tokenizer": "x", "add": 5}]}"""));
        Assert.Contains("stage 't': unknown option 'vocab-size'",
            LoadError(dir, """{"stages": [{"name": "t", "kind": "tokenizer", "op": "extend", "tokenizer": "x", "corpus": "c", "add": 5, "vocab-size": 9}]}"""));
        Assert.Contains("stage 'e': option 'model': missing",
            LoadError(dir, """{"stages": [{"name": "e", "kind": "eval", "suite": "s"}]}"""));
        Assert.Contains("stage 'e': option 'backend': 'onnx' is not one of torch, llama.cpp",
            LoadError(dir, """{"stages": [{"name": "e", "kind": "eval", "model": "m", "suite": "s", "backend": "onnx"}]}"""));
        Assert.Contains("stage 'e': option 'gguf-type': 'q4' is not one of q8_0, f16, f32",
            LoadError(dir, """{"stages": [{"name": "e", "kind": "eval", "model": "m", "suite": "s", "backend": "llama.cpp", "gguf-type": "q4"}]}"""));
        Assert.Contains("unknown top-level key 'stage'", LoadError(dir, """{"stage": []}"""));
        Assert.Contains("invalid JSON", LoadError(dir, """{"stages": [ """));
    }

    [Fact]
    public void Environment_variables_expand_with_defaults_and_paths_resolve_beside_the_file()
    {
        Func<string, string?> env = n => n == "HOME_MODELS" ? "/models" : null;
        Assert.Equal("/models/llama", EnvironmentExpansion.Expand("${HOME_MODELS}/llama", env));
        Assert.Equal("x/y", EnvironmentExpansion.Expand("${NOPE:-x}/y", env));
        Assert.Equal("$5 and $HOME", EnvironmentExpansion.Expand("$$5 and $HOME", env));
        Assert.Throws<ArgumentException>(() => EnvironmentExpansion.Expand("${NOPE}", env));

        using var dir = new TempDir();
        var p = Load(dir, """
            {"work": "${W:-out/work}", "stages": [
              {"name": "a", "kind": "init", "base": "${M}/base", "tokenizer": "tok", "seed": "7", "wmean-decay": 1e-1}
            ]}
            """, env: n => n == "M" ? "/abs/models" : null);
        Assert.Equal(Path.Combine(dir.Path, "out", "work"), p.WorkDirectory);
        PipelineStage a = p.Stages[0];
        Assert.Equal(Path.Combine(dir.Path, "out", "work", "a"), a.ArtifactDirectory);
        Assert.Equal("/abs/models/base", a.ResolvedOptions["base"]!.GetValue<string>());
        Assert.Equal(dir.File("tok"), a.ResolvedOptions["tokenizer"]!.GetValue<string>());
        Assert.Equal("tok", a.Options["tokenizer"]!.GetValue<string>());   // the hash does not depend on where the checkout is
        Assert.Equal(7, a.Options["seed"]!.GetValue<long>());
        Assert.Equal(0.1, a.Options["wmean-decay"]!.GetValue<double>());
    }

    [Fact]
    public void Example_files_are_valid()
    {
        string examples = Path.Combine(RepositoryRoot(), "examples", "pipelines");
        string[] files = Directory.GetFiles(examples, "*.json").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["llama3-8b-ru.json", "mistral-7b-ru.json", "zoo-ru.json"], files.Select(Path.GetFileName));
        foreach (string file in files)
        {
            // Environment variables set to dummy paths; input existence is checked only by `run` (PipelinePlan with checkInputs).
            var p = PipelineDefinition.Load(file, new PipelineLoadOptions { Environment = n => n == "WORK" ? null : "/dummy/" + n });
            PipelinePlan plan = PipelinePlan.Create(p, checkInputs: false);
            Assert.Empty(plan.Problems);
            Assert.Equal(file.EndsWith("zoo-ru.json") ? ["tokenizer", "init", "train", "propagate", "eval", "gguf", "calibrate", "eval"] : ["tokenizer", "init", "train", "propagate", "eval", "gguf"],
                p.Stages.Select(s => s.Kind.Name));
            Assert.All(p.Stages.Skip(1), s => Assert.NotEmpty(s.Dependencies));
            Assert.StartsWith(examples, p.WorkDirectory);
            IReadOnlyList<string> problems = PipelinePlan.Create(p).Problems;   // `run` checks inputs and devices: the dummies do not exist
            Assert.Contains(problems, m => m.Contains("/dummy/") && m.Contains("does not exist"));
            if (file.EndsWith("zoo-ru.json")) continue;
            // The train stage runs on the torch engine, which finds its GPUs itself; lep's own CUDA check is the eval stage's.
            Assert.Contains(problems, m => m.Contains("stage 'eval': option 'device': cuda: no CUDA backend available") && m.EndsWith("or use \"device\": \"cpu\""));
            Assert.DoesNotContain(problems, m => m.Contains("stage 'embeddings': option 'device'"));
        }
    }

    [Fact]
    public void The_launch_layout_of_a_train_stage_is_not_part_of_its_fingerprint()
    {
        using var dir = new TempDir();
        string Hash(string extra) => Load(dir, $$"""
            {"stages": [{"name": "t", "kind": "train", "model": "m", "corpus": "c.txt", "trainable": "embeddings", "batch-size": 8,
                         "engine": "torchrun"{{extra}}}]}
            """).Find("t")!.OptionsHash;
        string plain = Hash("");
        // Ranks, nodes and the rendezvous say how the same steps are computed: a finished stage stays finished.
        Assert.Equal(plain, Hash(""", "nproc-per-node": 2"""));
        Assert.Equal(plain, Hash(""", "nproc-per-node": 4, "nnodes": 2, "node-rank": 1, "rdzv-endpoint": "node0:29500", "rdzv-timeout": 60, "activation-checkpointing": true"""));
        // What is trained is: the learning rate changes the stage.
        Assert.NotEqual(plain, Hash(""", "lr": 0.002"""));
        Assert.NotEqual(plain, Hash(""", "nproc-per-node": 2, "steps": 900"""));
    }

    [Fact]
    public void Finished_stages_are_skipped_and_a_forced_stage_reruns_with_the_stages_that_use_it()
    {
        using var dir = new TempDir();
        var kind = new WriteKind();
        var kinds = new StageKindRegistry([kind]);
        var p = Load(dir, Chain, kinds);
        Assert.All(PipelinePlan.Create(p).Stages, s => Assert.Equal(StageState.Run, s.State));
        new PipelineRunner().Run(PipelinePlan.Create(p));
        Assert.Equal(["a", "b", "c", "x"], kind.Runs);
        Assert.Equal("ABC", File.ReadAllText(Path.Combine(p.WorkDirectory, "c", "out.txt")));
        StageMarker marker = StageMarker.TryRead(Path.Combine(p.WorkDirectory, "b"), "b")!;
        Assert.True(marker.Done);
        Assert.Equal(marker.OptionsHash, p.Find("b")!.OptionsHash);
        Assert.Equal("wrote AB", marker.Summary);

        kind.Runs.Clear();
        PipelinePlan again = PipelinePlan.Create(p);
        Assert.All(again.Stages, s => Assert.Equal(StageState.Skip, s.State));
        new PipelineRunner().Run(again);
        Assert.Empty(kind.Runs);

        // a description is not an option: editing it changes nothing
        p = Load(dir, Chain.Replace("\"text\": \"B\"", "\"description\": \"bee\", \"text\": \"B\""), kinds);
        Assert.All(PipelinePlan.Create(p).Stages, s => Assert.Equal(StageState.Skip, s.State));

        PipelinePlan forced = PipelinePlan.Create(p, new PipelineSelection { Force = ["b"] });
        Assert.Equal(new Dictionary<string, StageState> { ["a"] = StageState.Skip, ["b"] = StageState.Rerun, ["c"] = StageState.Rerun, ["x"] = StageState.Skip }, States(forced));
        new PipelineRunner().Run(forced);
        Assert.Equal(["b", "c"], kind.Runs);
        Assert.NotEqual(marker.RunId, StageMarker.TryRead(Path.Combine(p.WorkDirectory, "b"), "b")!.RunId);

        // a stage re-run outside this plan (here: b's marker replaced) makes the stages that used it stale
        kind.Runs.Clear();
        new PipelineRunner().Run(PipelinePlan.Create(p, new PipelineSelection { Only = ["b"], Force = ["b"] }));
        PipelinePlan stale = PipelinePlan.Create(p);
        Assert.Equal(StageState.Rerun, States(stale)["c"]);
        Assert.Contains("'b' was run again since", stale.Stages[2].Reason);
    }

    [Fact]
    public void Changed_options_refuse_to_run_until_the_stage_is_forced()
    {
        using var dir = new TempDir();
        var kind = new WriteKind();
        var kinds = new StageKindRegistry([kind]);
        new PipelineRunner().Run(PipelinePlan.Create(Load(dir, Chain, kinds)));
        kind.Runs.Clear();

        var changed = Load(dir, Chain.Replace("\"text\": \"B\"", "\"text\": \"B2\", \"note\": \"n\""), kinds);
        PipelinePlan plan = PipelinePlan.Create(changed);
        Assert.Equal(StageState.Changed, States(plan)["b"]);
        string problem = Assert.Single(plan.Problems);
        Assert.Contains("stage 'b': options changed since it ran (note (unset) → \"n\", text \"B\" → \"B2\")", problem);
        Assert.Contains("--force b", problem);
        var e = Assert.Throws<LepInputException>(() => new PipelineRunner().Run(plan));
        Assert.Contains("options changed", e.Message);
        Assert.Empty(kind.Runs);

        new PipelineRunner().Run(PipelinePlan.Create(changed, new PipelineSelection { Force = ["b"] }));
        Assert.Equal(["b", "c"], kind.Runs);
        Assert.Equal("AB2C", File.ReadAllText(Path.Combine(changed.WorkDirectory, "c", "out.txt")));
        Assert.All(PipelinePlan.Create(changed).Stages, s => Assert.Equal(StageState.Skip, s.State));
    }

    [Fact]
    public void An_interrupted_in_place_stage_resumes_and_a_staged_one_leaves_no_artifact()
    {
        using var dir = new TempDir();
        var steps = new StepsKind { DieAfter = 3 };
        var write = new WriteKind();
        var kinds = new StageKindRegistry([steps, write]);
        var p = Load(dir, """
            {"stages": [
              {"name": "first", "kind": "write", "text": "1"},
              {"name": "train", "kind": "steps", "steps": 5, "input": "@first"},
              {"name": "after", "kind": "write", "text": "2", "input": "@first"}
            ]}
            """, kinds);
        Assert.Throws<IOException>(() => new PipelineRunner().Run(PipelinePlan.Create(p)));
        Assert.Equal([1, 2, 3], steps.Done);
        Assert.False(StageMarker.TryRead(Path.Combine(p.WorkDirectory, "train"), "train")!.Done);

        PipelinePlan resume = PipelinePlan.Create(p);
        Assert.Equal(new Dictionary<string, StageState> { ["first"] = StageState.Skip, ["train"] = StageState.Resume, ["after"] = StageState.Run }, States(resume));
        PipelineRunResult result = new PipelineRunner().Run(resume);
        Assert.Equal([1, 2, 3, 4, 5], steps.Done);
        Assert.Equal("5 steps (resumed)", result.Stages[1].Summary);
        Assert.True(StageMarker.TryRead(Path.Combine(p.WorkDirectory, "train"), "train")!.Done);

        // a staged stage that dies leaves neither its artifact nor its temp dir behind; the next run starts it over
        var failing = new StageKindRegistry([new ThrowingKind()]);
        var q = Load(dir, """{"work": "q.work", "stages": [{"name": "boom", "kind": "throw"}]}""", failing);
        Assert.Throws<InvalidOperationException>(() => new PipelineRunner().Run(PipelinePlan.Create(q)));
        Assert.Equal([PipelineRunner.LockFileName, "boom"], Directory.EnumerateFileSystemEntries(q.WorkDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([StageMarker.FileName], Directory.EnumerateFileSystemEntries(Path.Combine(q.WorkDirectory, "boom")).Select(Path.GetFileName));
        Assert.Equal(StageState.Run, PipelinePlan.Create(q).Stages[0].State);
        Assert.Equal("interrupted: starting over", PipelinePlan.Create(q).Stages[0].Reason);
    }

    private sealed class ThrowingKind : StageKind
    {
        public override string Name => "throw";
        public override string Description => "test";
        public override StageAction Bind(StageOptions o) => ctx =>
        {
            File.WriteAllText(Path.Combine(ctx.Output, "partial.bin"), "x");
            throw new InvalidOperationException("disk full");
        };
    }

    [Fact]
    public void Only_and_from_select_stages_whose_inputs_must_have_finished()
    {
        using var dir = new TempDir();
        var kind = new WriteKind();
        var kinds = new StageKindRegistry([kind]);
        var p = Load(dir, Chain, kinds);

        var e = Assert.Throws<LepInputException>(() => PipelinePlan.Create(p, new PipelineSelection { Only = ["b"] }).ThrowIfProblems());
        Assert.Contains("stage 'b' needs 'a', which has not finished and is not selected", e.Message);
        Assert.Contains("no stage named 'zz'", Assert.Throws<LepInputException>(() => PipelinePlan.Create(p, new PipelineSelection { From = "zz" })).Message);

        new PipelineRunner().Run(PipelinePlan.Create(p, new PipelineSelection { Only = ["a", "b"] }));
        Assert.Equal(["a", "b"], kind.Runs);
        PipelinePlan rest = PipelinePlan.Create(p, new PipelineSelection { From = "c" });
        Assert.Equal(new Dictionary<string, StageState> { ["a"] = StageState.NotSelected, ["b"] = StageState.NotSelected, ["c"] = StageState.Run, ["x"] = StageState.Run }, States(rest));
        new PipelineRunner().Run(rest);
        Assert.Equal(["a", "b", "c", "x"], kind.Runs);
        Assert.All(PipelinePlan.Create(p).Stages, s => Assert.Equal(StageState.Skip, s.State));
    }

    [Fact]
    public void Two_runs_cannot_share_a_work_dir()
    {
        using var dir = new TempDir();
        var p = Load(dir, Chain, new StageKindRegistry([new WriteKind()]));
        Directory.CreateDirectory(p.WorkDirectory);
        using (new FileStream(Path.Combine(p.WorkDirectory, PipelineRunner.LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            Assert.Contains("another `lep pipeline run` is using", Assert.Throws<LepInputException>(() => new PipelineRunner().Run(PipelinePlan.Create(p))).Message);
        new PipelineRunner().Run(PipelinePlan.Create(p));
    }

    [Fact]
    public void Stage_markers_round_trip()
    {
        using var dir = new TempDir();
        var m = new StageMarker
        {
            Stage = "s", Kind = "train", Done = true, RunId = StageMarker.NewRunId(), Options = new JsonObject { ["lr"] = 0.001 },
            OptionsHash = "abc", Inputs = new Dictionary<string, string> { ["d"] = "r1" }, Started = DateTimeOffset.UtcNow,
            Finished = DateTimeOffset.UtcNow, Seconds = 1.5, Summary = "ok",
        };
        m.Write(dir.Path);
        StageMarker back = StageMarker.TryRead(dir.Path, "s")!;
        Assert.Equal(m.Fingerprint, back.Fingerprint);
        Assert.Equal("ok", back.Summary);
        Assert.Null(StageMarker.TryRead(dir.Path, "other"));
        File.WriteAllText(StageMarker.PathIn(dir.Path), "{ not json");
        Assert.Null(StageMarker.TryRead(dir.Path, "s"));
    }

    internal static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lep.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("Lep.slnx not found above " + AppContext.BaseDirectory);
    }
}
