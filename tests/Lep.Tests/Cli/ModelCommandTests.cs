using Lep.Formats;
using Lep.Modeling;
using Lep.Tests.Gguf;
using Lep.Tests.Oracles;
using Lep.Tests.Support;

namespace Lep.Tests.Cli;

/// <summary>generate, export gguf and train through the real CLI on a tiny random model with a byte-level tokenizer.</summary>
public class ModelCommandTests
{
    private static string TinyModelDir(TempDir dir)
    {
        string model = dir.File("model");
        var tokenizer = TinyTokenizers.ByteLevel();
        int vocab = TinyTokenizers.Size(tokenizer);
        var config = TinyModels.Config("gqa", vocab);
        config.Json.Remove("eos_token_id");
        TinyModel.Write(model, config, DType.BF16, seed: 4, tokenizer, TinyTokenizers.ByteLevelConfig());
        return model;
    }

    [Fact]
    public void GenerateIsSeededAndPrintsThePromptFirst()
    {
        using var dir = new TempDir();
        string model = TinyModelDir(dir);
        var a = LepProcess.Run("generate", model, "--prompt", "Привет, world", "-n", "12", "--temperature", "0.9", "--seed", "5");
        var b = LepProcess.Run("generate", model, "--prompt", "Привет, world", "-n", "12", "--temperature", "0.9", "--seed", "5");
        Assert.True(a.ExitCode == 0, a.StdErr);
        Assert.StartsWith("Привет, world", a.StdOut);
        Assert.Equal(a.StdOut, b.StdOut);
        Assert.Contains("tokens/s", a.StdErr);
    }

    [Fact]
    public void GenerateChatSendsThePromptThroughTheChatTemplate()
    {
        // The shipped instruct model copies ~80 % of test sentences exactly; this one it copies under greedy decoding.
        string instruct = Path.Combine(TestZoo.Shipped, Lep.Zoo.ZooModels.InstructName);
        var r = LepProcess.Run("generate", instruct, "--chat", "--prompt", "Repeat exactly: The package contains the documentation.");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("The package contains the documentation.", r.StdOut.Trim());

        string baseModel = Path.Combine(TestZoo.Shipped, Lep.Zoo.ZooModels.BaseName);
        var noTemplate = LepProcess.Run("generate", baseModel, "--chat", "--prompt", "x");
        Assert.Equal(2, noTemplate.ExitCode);
        Assert.Contains("chat_template", noTemplate.StdErr);
    }

    [Fact]
    public void GenerateRejectsCudaClearlyOnThisBuild()
    {
        using var dir = new TempDir();
        var r = LepProcess.Run("generate", TinyModelDir(dir), "--prompt", "x", "--device", "cuda");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no CUDA backend", r.StdErr);
    }

    [Fact]
    public void ExportedGgufRunsInLlamaCppWithOurLogits()
    {
        using var dir = new TempDir();
        string model = TinyModelDir(dir);
        string gguf = dir.File("model.gguf");
        var r = LepProcess.Run("export", "gguf", model, gguf, "--outtype", "f32");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var info = LepProcess.Run("info", gguf, "--json");
        Assert.True(info.ExitCode == 0, info.StdErr);
        Assert.Contains("\"Architecture\": \"llama\"", info.StdOut);
        Assert.Contains("\"TokenizerModel\": \"gpt2\"", info.StdOut);
        using var lm = LlamaForCausalLM.Load(model);
        using var llama = new LlamaCpp(gguf);
        int[] tokens = [256, 72, 101, 108, 108, 111];
        float[][] theirs = llama.Logits(tokens);
        using var _ = TorchSharp.torch.no_grad();
        using var ours = lm.Forward(Numerics.Ids(tokens));
        using var theirTensor = TorchSharp.torch.tensor(theirs.SelectMany(x => x).ToArray(), [1, tokens.Length, theirs[0].Length]);
        Assert.InRange(Numerics.RelativeError(theirTensor, ours), 0, 1e-4);
    }

    [Fact]
    public void ExportWithoutTokenizerFailsAndWritesNothing()
    {
        using var dir = new TempDir();
        string model = TinyModelDir(dir);
        File.Delete(Path.Combine(model, "tokenizer.json"));
        string gguf = dir.File("out.gguf");
        var r = LepProcess.Run("export", "gguf", model, gguf);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tokenizer.json", Assert.Single(r.StdErr.TrimEnd().Split('\n')));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void TrainWritesAModelAndResumesFromItsCheckpoint()
    {
        using var dir = new TempDir();
        string model = TinyModelDir(dir);
        string corpus = dir.File("corpus.txt");
        File.WriteAllText(corpus, string.Join("\n\n", Enumerable.Range(0, 60).Select(i => $"Document {i}: the quick brown fox jumps over the lazy dog {i % 7}.")));
        string output = dir.File("trained");
        string[] args = ["train", model, "--corpus", corpus, "--out", output, "--steps", "6", "--block-size", "64", "--batch-size", "2",
            "--warmup", "2", "--eval-every", "3", "--checkpoint-every", "3", "--storage", "f32"];
        var r = LepProcess.Run(args);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("6 steps", r.StdOut);
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
        Assert.Equal(6, File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Length);
        byte[] png = File.ReadAllBytes(Path.Combine(output, "loss.png"));
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "loss.png is not a PNG");
        using (var trained = LlamaForCausalLM.Load(output)) Assert.Equal(TinyModels.Config("gqa").HiddenSize, trained.Config.HiddenSize);

        var again = LepProcess.Run(args);
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains("(resumed)", again.StdOut);

        // Same seed in another process (and another output dir) → the same bytes.
        string[] otherArgs = [.. args];
        otherArgs[Array.IndexOf(otherArgs, output)] = dir.File("trained-again");
        var other = LepProcess.Run(otherArgs);
        Assert.True(other.ExitCode == 0, other.StdErr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(output, "model.safetensors")), File.ReadAllBytes(dir.File("trained-again/model.safetensors")));

        var bad = LepProcess.Run("train", model, "--corpus", dir.File("missing.txt"), "--out", dir.File("x"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("missing.txt: corpus file not found", bad.StdErr);
        Assert.False(Directory.Exists(dir.File("x")));
    }
}
