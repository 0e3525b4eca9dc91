using System.Text.Json.Nodes;
using Lep.Evaluation;
using Lep.Evaluation.Prompts;
using Lep.Evaluation.Results;
using Lep.Evaluation.Running;
using Lep.Evaluation.Tasks;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tests.Evaluation;
using Lep.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Lep.Tests.Modeling;

/// <summary>
/// The llama.cpp backend against the torch backend, on every metric the evaluator computes, through the same runners:
/// with an F32 export the two must agree (identical multiple-choice picks and generations, bits/char within 1e-4
/// relative, identical 64-token greedy continuations); with Q8_0 the differences are printed and loosely bounded.
/// </summary>
[Collection("llama.cpp")]
public sealed class LlamaCppBackendTests : IDisposable
{
    private const string Corpus = "кот спит дом собака вода the cat sleeps on the mat Привет мир Кошка спит";
    private readonly TempDir _tmp = new();
    private readonly ITestOutputHelper _out;

    public LlamaCppBackendTests(ITestOutputHelper output) => _out = output;
    public void Dispose() => _tmp.Dispose();

    public static IEnumerable<object[]> Families => TinyModels.Shapes.Select(s => new object[] { s });

    /// <summary>A random model of one of the families we read, with the evaluation fixtures' byte-level BPE.</summary>
    private string FamilyDir(string shape, long seed = 7)
    {
        string dir = _tmp.File(shape);
        ModelConfig config = TinyModels.Config(shape, EvalFixtures.Vocab);
        config.Json["bos_token_id"] = EvalFixtures.Bos;
        config.Json["eos_token_id"] = EvalFixtures.Eos;
        using var lm = new LlamaForCausalLM(config);
        lm.InitializeRandom(seed, initializerRange: 0.2);
        lm.Save(dir);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), EvalFixtures.TokenizerJson(merges: 30, Corpus));
        return dir;
    }

    /// <summary>The evaluation fixtures' suite plus a document long enough to be scored in several windows.</summary>
    private IReadOnlyList<EvalTask> Suite()
    {
        string dir = EvalFixtures.Suite(_tmp.File("suite"));
        string sentences = string.Join(" ", Enumerable.Range(0, 60).Select(i => i % 3 == 0 ? $"Кошка номер {i} спит на тёплом коврике." : $"The cat number {i} sleeps on the mat."));
        File.AppendAllText(Path.Combine(dir, "heldout.txt"), "\n" + sentences + "\n");
        return SuiteLoader.Load(dir);
    }

    private InferenceBackend LlamaCpp(string type) => InferenceBackend.Parse("llama.cpp", type, _tmp.File("gguf-cache"));

    /// <summary>What one backend produced on the suite, per task.</summary>
    private static Dictionary<string, TaskResult> RunSuite(EvalModel model, IReadOnlyList<EvalTask> tasks) => tasks.ToDictionary(t => t.Name, t =>
    {
        var (shots, scored) = t.Split(0, null);
        return t.Kind switch
        {
            TaskKind.MultipleChoice => MultipleChoiceRunner.Run(model, t, shots, scored, batchSize: 3),
            TaskKind.Generation => GenerationRunner.Run(model, t, shots, scored, maxNewTokens: 32),
            _ => LanguageModelingRunner.Run(model, t, scored, batchSize: 3),
        };
    });

    private sealed record Differences(int Choices, int ChoiceDisagreements, double WorstLogProbDiff, double WorstBitsPerCharRel,
        int Generations, int GenerationDisagreements, int GreedyAgreedPrefix);

    private static Differences Compare(EvalModel torch, EvalModel llama, IReadOnlyList<EvalTask> tasks)
    {
        Dictionary<string, TaskResult> a = RunSuite(torch, tasks), b = RunSuite(llama, tasks);
        int choices = 0, choiceDiff = 0, gens = 0, genDiff = 0;
        double worstLp = 0, worstBpc = 0;
        foreach (EvalTask t in tasks)
        {
            TaskResult x = a[t.Name], y = b[t.Name];
            for (int i = 0; i < x.Items.Count; i++)
            {
                JsonNode p = x.Items[i]!, q = y.Items[i]!;
                switch (t.Kind)
                {
                    case TaskKind.MultipleChoice:
                        choices++;
                        if (p["pred"]!.GetValue<int>() != q["pred"]!.GetValue<int>() || p["pred_norm"]!.GetValue<int>() != q["pred_norm"]!.GetValue<int>()) choiceDiff++;
                        double[] lx = p["logprobs"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(), ly = q["logprobs"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
                        worstLp = Math.Max(worstLp, lx.Zip(ly).Max(z => Math.Abs(z.First - z.Second)));
                        break;
                    case TaskKind.Generation:
                        gens++;
                        if (p["prediction"]!.GetValue<string>() != q["prediction"]!.GetValue<string>()) genDiff++;
                        break;
                }
            }
            if (t.Kind == TaskKind.LanguageModeling)
            {
                double bx = x.Metrics["bits_per_char"], by = y.Metrics["bits_per_char"];
                worstBpc = Math.Max(worstBpc, Math.Abs(bx - by) / bx);
                Assert.Equal(x.Metrics["tokens"], y.Metrics["tokens"]);
            }
        }
        int[] prompt = torch.EncodePrompt("Кошка спит на");
        var options = new SamplingOptions { MaxNewTokens = 64 };
        int[] gx = Generation.Generate(torch.Lm, prompt, options).ToArray(), gy = Generation.Generate(llama.Lm, prompt, options).ToArray();
        Assert.Equal(64, gx.Length);
        Assert.Equal(64, gy.Length);
        int agreed = gx.Zip(gy).TakeWhile(z => z.First == z.Second).Count();
        return new Differences(choices, choiceDiff, worstLp, worstBpc, gens, genDiff, agreed);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void F32_export_agrees_with_torch(string shape)
    {
        string dir = FamilyDir(shape);
        IReadOnlyList<EvalTask> tasks = Suite();
        using EvalModel torch = EvalModel.Load("t", dir, CPU, PromptMode.Plain);
        using EvalModel llama = EvalModel.Load("l", dir, CPU, PromptMode.Plain, LlamaCpp("f32"));
        Assert.Equal("torch", torch.Lm.Backend);
        Assert.Equal("llama.cpp f32", llama.Lm.Backend);
        Differences d = Compare(torch, llama, tasks);
        _out.WriteLine($"{shape}: {d}");
        Assert.True(d.Choices >= 3 && d.Generations >= 4, d.ToString());
        Assert.Equal(0, d.ChoiceDisagreements);
        Assert.True(d.WorstLogProbDiff < 1e-3, $"{shape}: log-probabilities differ by {d.WorstLogProbDiff:E2}");
        Assert.True(d.WorstBitsPerCharRel <= 1e-4, $"{shape}: bits/char differ by {d.WorstBitsPerCharRel:E2} relative");
        Assert.Equal(0, d.GenerationDisagreements);
        Assert.Equal(64, d.GreedyAgreedPrefix);
    }

    /// <summary>Q8_0 is lossy: its differences are reported, and bits/char must stay within 2 %.</summary>
    [Theory]
    [MemberData(nameof(Families))]
    public void Q8_0_export_differences_are_small(string shape)
    {
        string dir = FamilyDir(shape);
        IReadOnlyList<EvalTask> tasks = Suite();
        using EvalModel torch = EvalModel.Load("t", dir, CPU, PromptMode.Plain);
        using EvalModel llama = EvalModel.Load("l", dir, CPU, PromptMode.Plain, LlamaCpp("q8_0"));
        Differences d = Compare(torch, llama, tasks);
        _out.WriteLine($"{shape} q8_0: {d}");
        Assert.True(d.WorstBitsPerCharRel <= 0.02, $"{shape}: q8_0 bits/char differ by {d.WorstBitsPerCharRel:P2}");
    }

    /// <summary>The shipped zoo pair through the whole evaluator: every result of the F32 llama.cpp run equals the torch
    /// run's (bits/char to 1e-4), results.json and the report name the backend; Q8_0's differences are printed.</summary>
    [Fact]
    public void Zoo_pair_evaluates_alike_on_both_backends()
    {
        var models = new List<(string, string)> { ("instruct", Path.Combine(TestZoo.Shipped, "lep-tiny-instruct")), ("base", Path.Combine(TestZoo.Shipped, "lep-tiny-base")) };
        IReadOnlyList<EvalTask> tasks = Suite();
        var options = new EvalOptions { SpeedPrompts = 1, SpeedTokens = 8, MaxNewTokens = 48, Prompt = PromptMode.Plain };
        EvalResults torch = new Evaluator(options).Run(models, tasks, _tmp.File("torch"), CPU);
        EvalResults f32 = new Evaluator(options with { Backend = LlamaCpp("f32") }).Run(models, tasks, _tmp.File("f32"), CPU);
        EvalResults q8 = new Evaluator(options with { Backend = LlamaCpp("q8_0") }).Run(models, tasks, _tmp.File("q8"), CPU);

        Assert.All(f32.Models, m => Assert.Equal("llama.cpp f32", m.Backend));
        Assert.Equal("llama.cpp f32", EvalResults.Load(_tmp.File("f32")).Settings["backend"]!.GetValue<string>());
        Assert.Contains("run by llama.cpp f32", File.ReadAllText(_tmp.File("f32/report.md")));
        Assert.Contains("run by torch", File.ReadAllText(_tmp.File("torch/report.md")));
        Assert.Equal(2, f32.Speed.Count);

        foreach (TaskResult t in torch.Results)
        {
            TaskResult l = f32.Find(t.Model, t.Task)!, q = q8.Find(t.Model, t.Task)!;
            foreach (var (metric, value) in t.Metrics)
            {
                double tolerance = metric is "bits_per_char" or "bits_per_byte" or "nll_nats" ? 1e-4 * Math.Abs(value) : 0;
                Assert.True(Math.Abs(value - l.Metrics[metric]) <= tolerance, $"{t.Model}/{t.Task}/{metric}: torch {value}, llama.cpp f32 {l.Metrics[metric]}");
            }
            string primary = t.Kind == TaskKind.LanguageModeling ? "bits_per_char" : t.Primary;
            _out.WriteLine($"{t.Model}/{t.Task} {primary}: torch {t.Metrics[primary]:0.00000}, llama.cpp f32 {l.Metrics[primary]:0.00000}, q8_0 {q.Metrics[primary]:0.00000}");
            if (t.Kind == TaskKind.LanguageModeling)
                Assert.True(Math.Abs(q.Metrics[primary] - t.Metrics[primary]) <= 0.02 * t.Metrics[primary], $"{t.Model}/{t.Task}: q8_0 bits/char {q.Metrics[primary]} vs {t.Metrics[primary]}");
        }
    }

    /// <summary>The export goes to the cache, keyed by content: the model dir is left exactly as it was, a second load
    /// reuses the file, changed weights get a new file, and a cache inside the model dir is refused.</summary>
    [Fact]
    public void Gguf_cache_never_writes_into_the_model_dir_and_follows_the_content()
    {
        string dir = EvalFixtures.ModelDir(_tmp.File("m"), seed: 3);
        string cache = _tmp.File("cache");
        string[] Listing() => Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f}:{new FileInfo(f).Length}:{File.GetLastWriteTimeUtc(f).Ticks}").ToArray();
        string[] before = Listing();

        var (first, exported) = Lep.Modeling.LlamaCpp.GgufCache.Ensure(dir, Lep.Formats.Gguf.GgmlType.F16, cache);
        Assert.True(exported);
        Assert.Equal(cache, Path.GetDirectoryName(first));
        Assert.EndsWith("-f16.gguf", first);
        Assert.Equal(before, Listing());
        Assert.Single(Directory.GetFiles(cache)); // no temp file left behind
        var (again, exportedAgain) = Lep.Modeling.LlamaCpp.GgufCache.Ensure(dir, Lep.Formats.Gguf.GgmlType.F16, cache);
        Assert.Equal(first, again);
        Assert.False(exportedAgain);

        EvalFixtures.ModelDir(dir, seed: 4); // new weights, same names
        var (changed, exportedChanged) = Lep.Modeling.LlamaCpp.GgufCache.Ensure(dir, Lep.Formats.Gguf.GgmlType.F16, cache);
        Assert.NotEqual(first, changed);
        Assert.True(exportedChanged);

        var e = Assert.Throws<Lep.Options.OptionException>(() => Lep.Modeling.LlamaCpp.GgufCache.Ensure(dir, Lep.Formats.Gguf.GgmlType.F16, Path.Combine(dir, "cache")));
        Assert.Same(BackendSchema.GgufCache, e.Subject);
        Assert.Contains("inside the model directory", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dir, "cache")));
    }

    [Fact]
    public void Cli_eval_and_generate_with_llama_cpp()
    {
        string dir = EvalFixtures.ModelDir(_tmp.File("m"), seed: 5, merges: 20, corpus: Corpus);
        string suite = EvalFixtures.Suite(_tmp.File("suite"));
        string cache = _tmp.File("cache");
        var eval = LepProcess.Run("eval", "--model", dir, "--suite", suite, "--out", _tmp.File("out"), "--limit", "2", "--speed-prompts", "1",
            "--speed-tokens", "4", "--max-new-tokens", "16", "--backend", "llama.cpp", "--gguf-type", "f32", "--gguf-cache", cache);
        Assert.True(eval.ExitCode == 0, eval.StdErr);
        Assert.Equal("llama.cpp f32", EvalResults.Load(_tmp.File("out")).Models[0].Backend);
        Assert.Single(Directory.GetFiles(cache, "*-f32.gguf"));

        string[] generate = ["generate", dir, "-p", "Кошка", "-n", "12", "--gguf-type", "f32"];
        var viaTorch = LepProcess.Run(generate);
        var viaLlama = LepProcess.Run([.. generate, "--backend", "llama.cpp", "--gguf-cache", cache]);
        Assert.True(viaLlama.ExitCode == 0, viaLlama.StdErr);
        Assert.Contains("llama.cpp f32]", viaLlama.StdErr);
        Assert.Equal(viaTorch.StdOut, viaLlama.StdOut);

        var refused = LepProcess.Run([.. generate, "--backend", "llama.cpp", "--gguf-cache", Path.Combine(dir, "gguf")]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("inside the model directory", refused.StdErr);
        Assert.False(Directory.Exists(Path.Combine(dir, "gguf")));
    }
}
