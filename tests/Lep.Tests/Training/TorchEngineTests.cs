using System.Diagnostics;
using System.Text.Json;
using Lep.Data;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Modeling;
using Lep.Options;
using Lep.Runtime;
using Lep.Tests.Support;
using Lep.Training;
using Lep.Training.Torchrun;
using static TorchSharp.torch;

namespace Lep.Tests.Training;

/// <summary>A test that needs PyTorch's torchrun (Debian: python3-torch, installed by build/prerequisites.sh); skipped
/// with the reason where it is absent.</summary>
public sealed class TorchFactAttribute : FactAttribute
{
    public static readonly string? Torchrun = Find();

    public TorchFactAttribute()
    {
        if (Torchrun is null) Skip = "torchrun is not on PATH (apt-get install python3-torch, or run build/prerequisites.sh)";
    }

    private static string? Find()
    {
        try
        {
            return TorchrunEngine.Locate("torchrun");
        }
        catch (LepInputException)
        {
            return null;
        }
    }
}

/// <summary>
/// The torch engine (engines/torch) against itself and the local trainer, on CPU/gloo: a tiny random model with the
/// zoo's tokenizer, 20 steps of embedding training with accumulation and new-rows-only off. One class, so the runs
/// are sequential and shared (each torchrun launch costs seconds of Python start-up).
/// </summary>
public sealed class TorchEngineTests : IClassFixture<TorchEngineTests.Runs>
{
    private const int Steps = 20;
    private readonly Runs _runs;

    public TorchEngineTests(Runs runs) => _runs = runs;

    public sealed class Runs : IDisposable
    {
        public readonly TempDir Dir = new();
        public string Model => Dir.File("model");
        public string Corpus => Dir.File("corpus.txt");
        private readonly Dictionary<string, (TrainingResult Result, string Output)> _done = [];

        public Runs()
        {
            if (TorchFactAttribute.Torchrun is null) return;
            var lm = new LlamaForCausalLM(TinyModels.Config("gqa", vocab: 8192));
            lm.InitializeRandom(5, initializerRange: 0.05);
            lm.Save(Model, DType.F32);
            lm.Dispose();
            ModelDirectory.CopyCompanionFiles(Path.Combine(TestZoo.Shipped, "lep-tiny-base"), Model);
            File.WriteAllText(Corpus, string.Join("\n\n", DocumentReader.Read(TestData.Corpus("ru_train.txt")).Take(120)) + "\n");
        }

        public TrainingOptions Options => new()
        {
            Steps = Steps, BlockSize = 64, BatchSize = 2, GradientAccumulation = 2, LearningRate = 5e-3, WarmupSteps = 4,
            EvalEvery = 10, EvalBatches = 2, CheckpointEvery = 5, Trainable = TrainableSet.EmbeddingsAndHead,
        };

        public TrainingJobSpec Spec(string name, TorchrunLaunch? launch) => new()
        {
            ModelDirectory = Model, Corpus = [Corpus], OutputDirectory = Dir.File(name), Storage = DType.F32, Options = Options,
            Device = "cpu", Torchrun = launch,
        };

        /// <summary>A run by name, trained once per test class.</summary>
        public (TrainingResult Result, string Output) Get(string name, TorchrunLaunch? launch)
        {
            if (_done.TryGetValue(name, out var done)) return done;
            TrainingResult result = TrainingJob.Run(Spec(name, launch));
            return _done[name] = (result, Dir.File(name));
        }

        public void Dispose() => Dir.Dispose();
    }

    private static double[] Losses(string output) => File.ReadLines(Path.Combine(output, "metrics.jsonl"))
        .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble()).ToArray();

    private static void AssertSameRun(string expected, string actual, double tolerance)
    {
        double[] a = Losses(expected), b = Losses(actual);
        Assert.Equal(Steps, a.Length);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= tolerance * Math.Abs(a[i]), $"step {i + 1}: loss {a[i]} vs {b[i]}");
        using var x = CheckpointReader.Open(expected);
        using var y = CheckpointReader.Open(actual);
        Assert.Equal(x.Names.OrderBy(n => n), y.Names.OrderBy(n => n));
        foreach (string name in x.Names)
        {
            using var scope = NewDisposeScope();
            Tensor p = TensorBytes.ToTensor(x.FileOf(name), x.Info(name)), q = TensorBytes.ToTensor(y.FileOf(name), y.Info(name));
            double diff = (p - q).abs().max().item<float>();
            Assert.True(diff <= tolerance, $"{name}: weights differ by {diff}");
        }
    }

    private static TorchrunLaunch Ranks(int n) => new() { NprocPerNode = n, RendezvousTimeoutSeconds = 120 };

    [TorchFact]
    public void TwoRanksTakeTheSameStepsAsOne()
    {
        var one = _runs.Get("one", Ranks(1));
        var two = _runs.Get("two", Ranks(2));
        Assert.Equal(Steps, two.Result.Steps);
        Assert.True(File.Exists(Path.Combine(two.Output, "loss.png")));
        Assert.Equal("float32", ModelConfig.Load(Path.Combine(two.Output, "config.json")).TorchDtype);
        Assert.True(File.Exists(Path.Combine(two.Output, "tokenizer.json")));
        AssertSameRun(one.Output, two.Output, 1e-5);
        // Embeddings moved; every frozen tensor is the input's, byte for byte.
        using var input = CheckpointReader.Open(_runs.Model);
        using var trained = CheckpointReader.Open(two.Output);
        foreach (string name in input.Names)
        {
            using var scope = NewDisposeScope();
            double diff = (TensorBytes.ToTensor(input.FileOf(name), input.Info(name)) - TensorBytes.ToTensor(trained.FileOf(name), trained.Info(name))).abs().max().item<float>();
            if (name is "model.embed_tokens.weight" or "lm_head.weight") Assert.True(diff > 1e-4, $"{name} did not train");
            else Assert.Equal(0, diff);
        }
    }

    [TorchFact]
    public void TheEngineEqualsTheLocalTrainer()
    {
        var local = _runs.Get("local", null);
        var engine = _runs.Get("two", Ranks(2));
        Assert.Equal(local.Result.Tokens, engine.Result.Tokens);
        AssertSameRun(local.Output, engine.Output, 1e-4);
    }

    [TorchFact]
    public void ARankKilledMidRunResumesToTheUninterruptedResult()
    {
        var uninterrupted = _runs.Get("two", Ranks(2));
        TrainingJobSpec spec = _runs.Spec("killed", Ranks(2));
        Environment.SetEnvironmentVariable("LEP_ENGINE_KILL_AT", "1:12");
        try
        {
            var e = Assert.Throws<LepInputException>(() => TrainingJob.Run(spec));
            Assert.Contains("rank 1 died (signal 9)", e.Message);
            Assert.Contains("resumes from the checkpoint at step 10", e.Message);
            Assert.EndsWith("rank1.log", e.Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LEP_ENGINE_KILL_AT", null);
        }
        Assert.False(Directory.Exists(spec.OutputDirectory), "a killed run left an output dir");
        TrainingResult resumed = TrainingJob.Run(spec);
        Assert.True(resumed.Resumed);
        Assert.Equal(Enumerable.Range(1, Steps), File.ReadLines(Path.Combine(spec.OutputDirectory, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()));
        AssertSameRun(uninterrupted.Output, spec.OutputDirectory, 1e-6);
    }

    [TorchFact]
    public void TheEngineForwardEqualsOurs()
    {
        using var dir = new TempDir();
        var args = new List<string> { Path.Combine(TorchrunEngine.EngineDirectory(), "forward.py") };
        var expected = new Dictionary<string, Tensor>();
        // Two documents in one row: positions restart, attention must stay inside each.
        long[] positions = [.. Enumerable.Range(0, 13).Select(i => (long)i), .. Enumerable.Range(0, 11).Select(i => (long)i)];
        long[] docs = [.. Enumerable.Repeat(0L, 13), .. Enumerable.Repeat(1L, 11)];
        foreach (string shape in TinyModels.Shapes)
        {
            using var lm = TinyModels.Create(shape);
            string model = dir.File(shape);
            lm.Save(model, DType.F32);
            using Tensor ids = Numerics.Ids(TinyModels.RandomTokens(24, 300, 9));
            using Tensor pos = tensor(positions).unsqueeze(0);
            using (no_grad()) expected[shape] = lm.Forward(ids, pos, Masks.PackedDocuments(tensor(docs).unsqueeze(0)));
            SafetensorsWriter.Write(dir.File(shape + ".in.safetensors"), [PendingTensor.FromTorch("ids", ids), PendingTensor.FromTorch("positions", pos)]);
            args.AddRange([model, dir.File(shape + ".in.safetensors"), dir.File(shape + ".out.safetensors")]);
        }
        RunPython(args);
        foreach (var (shape, ours) in expected)
        {
            using var file = SafetensorsFile.Open(dir.File(shape + ".out.safetensors"));
            using Tensor theirs = TensorBytes.ToTensor(file, file["logits"]);
            double error = Numerics.RelativeError(theirs, ours);
            Assert.True(error <= 1e-5, $"{shape}: engine logits differ from lep's by {error:E2} (relative)");
            ours.Dispose();
        }
    }

    [TorchFact]
    public void ARendezvousThatNeverFormsIsOneLineAndNoOutput()
    {
        // Node 1 of 2, and no node 0 anywhere: torchrun waits for it; lep gives up after the timeout.
        var launch = new TorchrunLaunch { Nnodes = 2, NodeRank = 1, RendezvousEndpoint = "127.0.0.1:29593", RendezvousTimeoutSeconds = 4 };
        TrainingJobSpec spec = _runs.Spec("lonely", launch);
        var e = Assert.Throws<LepInputException>(() => TrainingJob.Run(spec));
        Assert.Equal("127.0.0.1:29593", e.Path);
        Assert.Contains("never formed", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(spec.OutputDirectory));
    }

    /// <summary>Runs a script with the Python that torchrun itself runs on (its #! line).</summary>
    private static void RunPython(IEnumerable<string> args)
    {
        string shebang = File.ReadLines(TorchFactAttribute.Torchrun!).First();
        var psi = new ProcessStartInfo(shebang[2..].Trim().Split(' ')[0]) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
    }

    [Fact]
    public void BadLaunchesAreRejectedBeforeAnythingIsWritten()
    {
        var embeddings = new TrainingOptions { Trainable = TrainableSet.EmbeddingsAndHead, BatchSize = 4 };
        // Each names the options at fault, worded as the CLI words them.
        string Refusal(TorchrunLaunch launch, TrainingOptions options) =>
            Assert.Throws<OptionException>(() => launch.Validate(options)).Format(Lep.Cli.SchemaOptions.Wording);
        Assert.Equal("--batch-size 4 (rows per micro-batch, all ranks together) must be a multiple of the 3 ranks", Refusal(new TorchrunLaunch { NprocPerNode = 3 }, embeddings));
        Assert.Equal("--engine torchrun trains embeddings only: use --trainable embeddings (or --engine local)", Refusal(new TorchrunLaunch(), embeddings with { Trainable = TrainableSet.All }));
        Assert.Equal("--nnodes > 1 needs --rdzv-endpoint HOST:PORT (node 0's address)", Refusal(new TorchrunLaunch { Nnodes = 2 }, embeddings));
        Assert.Equal("--rdzv-endpoint 'node0' is not HOST:PORT", Refusal(new TorchrunLaunch { Nnodes = 2, RendezvousEndpoint = "node0" }, embeddings));
        Assert.Equal("--node-rank must be < --nnodes (2 ≥ 2)", Refusal(new TorchrunLaunch { Nnodes = 2, NodeRank = 2, RendezvousEndpoint = "node0:29500" }, embeddings));
        var e = Assert.Throws<LepInputException>(() => TorchrunEngine.Locate("no-such-torchrun"));
        Assert.Contains("python3-torch", e.Message);
    }

    [Fact]
    public void TheLaunchCommandSpeaksTorchrunOfBothMajorVersions()
    {
        var multi = new TorchrunLaunch { NprocPerNode = 8, Nnodes = 2, NodeRank = 1, RendezvousEndpoint = "node0:29500", RendezvousTimeoutSeconds = 60 };
        Assert.Equal(["--nnodes", "2", "--nproc_per_node", "8", "--node_rank", "1", "--rdzv_endpoint", "node0:29500", "--rdzv_conf", "timeout=60",
            "--max_restarts", "0", "--log_dir", "L", "--redirects", "1", "--tee", "2", "train.py", "job.json"], multi.Arguments("train.py", "job.json", "L"));
        // One node meets on loopback, never on this host's name (which need not resolve: the ranks would retry it for 30 min).
        Assert.Equal(["--master_addr", "127.0.0.1", "--master_port", "29511", "--nnodes", "1", "--nproc_per_node", "1"], new TorchrunLaunch().Arguments("t", "j", "l", 29511).Take(8));
    }

    [Fact]
    public void ThePlanForLlama3_8BOnOneGpuFitsIn80GB()
    {
        ModelConfig config = ModelConfig.Create("LlamaForCausalLM", 128256, 4096, 14336, 32, 32, 8, ropeTheta: 500000);
        var o = new TrainingOptions { Trainable = TrainableSet.EmbeddingsAndHead, BlockSize = 2048, BatchSize = 1 };
        MemoryPlan plan = MemoryPlan.For(config, o, new TorchrunLaunch(), gpu: true);
        Assert.InRange(plan.FrozenParameters + plan.TrainableParameters, 8.02e9, 8.04e9); // Llama-3-8B: 8.03 B
        Assert.InRange(plan.TrainableParameters, 1.05e9, 1.051e9);
        Assert.InRange(plan.TotalBytes / (1L << 30), 40, 80);
        MemoryPlan eight = MemoryPlan.For(config, o with { BatchSize = 64 }, new TorchrunLaunch { NprocPerNode = 8 }, gpu: true);
        Assert.True(eight.ActivationBytes > 7 * plan.ActivationBytes, "8 rows per rank keep 8× the activations of one");
    }
}
