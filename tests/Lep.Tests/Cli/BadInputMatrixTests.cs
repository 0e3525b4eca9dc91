using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Tests.Support;

namespace Lep.Tests.Cli;

/// <summary>
/// Bad values and inputs that used to crash (exit 1), hang or pass silently: each is now one line naming the
/// option or file, exit 2, and nothing written (docs/safety.md).
/// </summary>
public sealed class BadInputMatrixTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly string _model = Path.Combine(TestZoo.Shipped, "lep-tiny-base");

    public void Dispose() => _root.Dispose();

    private static string OneLine(LepProcess.Result r)
    {
        Assert.Equal(2, r.ExitCode);
        return Assert.Single(r.StdErr.TrimEnd().Split('\n'));
    }

    private string Text()
    {
        string path = _root.File("corpus.txt");
        File.WriteAllText(path, string.Join("\n\n", Enumerable.Range(0, 30).Select(i => $"the cat {i} sat on the mat")));
        return path;
    }

    public static TheoryData<string, string[]> NotFinite => new()
    {
        { "--lr", ["train", "MODEL", "--corpus", "TEXT", "--out", "OUT", "--lr", "NaN"] },
        { "--weight-decay", ["train", "MODEL", "--corpus", "TEXT", "--out", "OUT", "--weight-decay", "Infinity"] },
        { "--wmean-decay", ["init", "--base", "MODEL", "--tokenizer", "MODEL", "--out", "OUT", "--method", "wmean", "--wmean-decay", "NaN"] },
        { "--temperature", ["generate", "MODEL", "--prompt", "hi", "--temperature", "NaN"] },
        { "--character-coverage", ["tokenizer", "train", "--type", "unigram", "--corpus", "TEXT", "--vocab-size", "300", "--out", "OUT", "--character-coverage", "NaN"] },
    };

    [Theory]
    [MemberData(nameof(NotFinite))]
    public void NaNAndInfinityAreRefused(string option, string[] args)
    {
        string text = Text(), output = _root.File("out");
        var r = LepProcess.Run(args.Select(a => a switch { "MODEL" => _model, "TEXT" => text, "OUT" => output, _ => a }).ToArray());
        Assert.Contains($"{option} must be a finite number", OneLine(r));
        Assert.False(Path.Exists(output));
        Assert.Equal(["corpus.txt"], Directory.GetFileSystemEntries(_root.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("unigram", "2")]
    [InlineData("unigram", "-1")]
    [InlineData("bpe", "0")]
    public void CharacterCoverageOutsideItsRangeIsRefused(string type, string coverage)
    {
        string output = _root.File("out");
        var r = LepProcess.Run("tokenizer", "train", "--type", type, "--corpus", Text(), "--vocab-size", "300", "--out", output, "--character-coverage", coverage);
        Assert.Contains($"--character-coverage must be within (0, 1], not {coverage}", OneLine(r));
        Assert.False(Path.Exists(output));
    }

    [Fact]
    public void ABadChoiceIsOneLineNamingTheOptionAndTheChoices()
    {
        var r = LepProcess.Run("tokenizer", "train", "--type", "wordpiece", "--corpus", Text(), "--vocab-size", "300", "--out", _root.File("out"));
        Assert.Equal("error: --type must be one of bpe, spbpe, unigram, not 'wordpiece' (see 'lep tokenizer train --help')", OneLine(r));
        string line = OneLine(LepProcess.Run("propagate", "--base", _model, "--instruct", _model, "--donor", _model, "--out", _root.File("p"), "--mode", "mean"));
        Assert.StartsWith("error: --mode must be one of swap, overlap, conversion, sum, cooccurrence, bypass, not 'mean'", line);
    }

    [Fact]
    public void ALoneSurrogateInJsonlIsBadInputNamingTheLine()
    {
        string jsonl = _root.File("text.jsonl");
        File.WriteAllText(jsonl, "{\"text\": \"fine\"}\n{\"text\": \"bad \\ud800 here\"}\n");
        string line = OneLine(LepProcess.Run("tokenizer", "encode", "--tokenizer", _model, "--input", jsonl));
        Assert.StartsWith($"error: {jsonl}:2: ", line);
        Assert.Contains("unpaired surrogate", line);

        string output = _root.File("tok");
        line = OneLine(LepProcess.Run("tokenizer", "train", "--type", "bpe", "--corpus", jsonl, "--vocab-size", "300", "--out", output));
        Assert.StartsWith($"error: {jsonl}:2: ", line);
        Assert.False(Path.Exists(output));
    }

    [Fact]
    public void ACatastrophicallyBacktrackingPatternIsReportedNotHung()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_model, "tokenizer.json")))!.AsObject();
        json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "(a+)+b" }, ["behavior"] = "Isolated", ["invert"] = false,
        };
        string tokenizer = _root.File("tokenizer.json");
        File.WriteAllText(tokenizer, json.ToJsonString());
        string input = _root.File("a.txt");
        File.WriteAllText(input, new string('a', 34) + "c\n");
        var clock = Stopwatch.StartNew();
        string line = OneLine(LepProcess.Run("tokenizer", "encode", "--tokenizer", tokenizer, "--input", input));
        Assert.StartsWith($"error: {tokenizer}: the pattern '(a+)+b' took over 30 s", line);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), clock.Elapsed.ToString());
    }

    [Fact]
    public void ABlockLongerThanTheContextIsRefusedBeforeTraining()
    {
        string output = _root.File("out");
        string line = OneLine(LepProcess.Run("train", _model, "--corpus", Text(), "--out", output, "--block-size", "2048", "--steps", "1", "--warmup", "0"));
        Assert.Equal($"error: {Path.Combine(_model, "config.json")}: --block-size 2048 exceeds the model's context (max_position_embeddings 1024)", line);
        Assert.False(Path.Exists(output));
        Assert.False(Path.Exists(output + ".run"));
    }

    [Fact]
    public void APromptThatFillsTheContextIsRefused()
    {
        string prompt = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 300));
        string line = OneLine(LepProcess.Run("generate", _model, "--prompt", prompt, "--max-new-tokens", "4"));
        Assert.Contains("the model's context (max_position_embeddings) is 1024", line);
    }

    // --- a checkpoint that disagrees with its config.json (the one check model loading and the adaptation inputs share) ---

    /// <summary>A copy of the zoo base whose weights are edited: a tensor dropped (null) or given another shape.</summary>
    private string EditedModel(string name, Func<TensorInfo, long[]?> shape)
    {
        string dir = _root.File(name);
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(_model).Where(f => !f.EndsWith(".safetensors")))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var tensors = new List<PendingTensor>();
        using (var reader = CheckpointReader.Open(_model))
            foreach (string tensor in reader.Names.Order(StringComparer.Ordinal))
            {
                TensorInfo info = reader.Info(tensor);
                if (shape(info) is long[] s) tensors.Add(PendingTensor.FromBytes(tensor, info.DType, s, reader.GetBytes(tensor).ToArray()));
            }
        CheckpointWriter.WriteWeights(dir, tensors);
        return dir;
    }

    private const string Victim = "model.layers.1.mlp.up_proj.weight";

    public static TheoryData<string> Inconsistencies => new() { "missing", "shape" };

    private (string Dir, string Where, string Problem) Inconsistent(string kind) => kind == "missing"
        ? (EditedModel("bad", t => t.Name == Victim ? null : t.Shape), _root.File("bad"), $"checkpoint lacks tensor '{Victim}'")
        : (EditedModel("bad", t => t.Name == Victim ? [t.Shape[0] / 2, t.Shape[1] * 2] : t.Shape), Path.Combine(_root.File("bad"), "model.safetensors"),
            $"tensor '{Victim}' has shape [344, 512], config.json implies [688, 256]");

    [Theory]
    [MemberData(nameof(Inconsistencies))]
    public void InitPropagateAndMergeRefuseACheckpointThatGenerateRejects(string kind)
    {
        var (bad, where, problem) = Inconsistent(kind);
        string expected = $"error: {where}: {problem}";
        var before = DirectoryListing.Of(_root.Path);
        string output = _root.File("out");
        Assert.Equal(expected, OneLine(LepProcess.Run("generate", bad, "--prompt", "hi", "-n", "2")));
        Assert.Equal(expected, OneLine(LepProcess.Run("init", "--base", bad, "--tokenizer", _model, "--out", output)));
        Assert.Equal(expected, OneLine(LepProcess.Run("propagate", "--base", _model, "--instruct", bad, "--donor", _model, "--out", output, "--mode", "swap")));
        Assert.Equal(expected, OneLine(LepProcess.Run("merge", "linear", "--a", _model, "--b", bad, "-w", "0.5", "--out", output)));
        Assert.Equal(expected, OneLine(LepProcess.Run("calibrate", bad, "--copy-from", Text(), "--steps", "1", "--warmup", "0", "--out", output)));
        File.Delete(_root.File("corpus.txt"));
        Assert.Equal(before, DirectoryListing.Of(_root.Path));
    }

    [Fact]
    public void EvalWithABadModelLeavesNoEmptyRunDir()
    {
        var (bad, where, problem) = Inconsistent("missing");
        string suite = _root.File("lm.txt");
        File.WriteAllText(suite, "the cat sat on the mat.\n\nthe dog ran.\n");
        var before = DirectoryListing.Of(_root.Path);
        Assert.Equal($"error: {where}: {problem}", OneLine(LepProcess.Run("eval", "--model", bad, "--suite", suite, "--out", _root.File("eval"), "--no-speed")));
        Assert.Equal(before, DirectoryListing.Of(_root.Path));
    }

    // --- lep info says what loading would reject, and still succeeds ---

    public static TheoryData<string, string> InfoCases => new()
    {
        { "vocab_size", "has 8192 rows but config.json says vocab_size 9000" },
        { "layers", "the checkpoint has 4 layers (model.layers.0…3) but config.json says num_hidden_layers 3" },
        { "missing", $"checkpoint lacks tensor '{Victim}'" },
        { "tokenizer", "unknown model type \"WordPiece\"" },
    };

    [Theory]
    [MemberData(nameof(InfoCases))]
    public void InfoWarnsAboutWhatGenerateRejects(string kind, string problem)
    {
        string dir = kind == "missing" ? EditedModel("m", t => t.Name == Victim ? null : t.Shape) : EditedModel("m", t => t.Shape);
        void EditJson(string file, Action<JsonObject> edit)
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, file)))!.AsObject();
            edit(json);
            File.WriteAllText(Path.Combine(dir, file), json.ToJsonString());
        }
        if (kind == "vocab_size") EditJson("config.json", c => c["vocab_size"] = 9000);
        if (kind == "layers") EditJson("config.json", c => c["num_hidden_layers"] = 3);
        if (kind == "tokenizer") EditJson("tokenizer.json", t => t["model"]!["type"] = "WordPiece");

        var info = LepProcess.Run("info", dir);
        Assert.True(info.ExitCode == 0, info.StdErr);
        string warning = Assert.Single(info.StdErr.TrimEnd().Split('\n'));
        Assert.StartsWith($"warning: {dir}", warning);
        Assert.Contains(problem, warning);
        Assert.Contains("architecture", info.StdOut);

        string rejected = OneLine(LepProcess.Run("generate", dir, "--prompt", "hi", "-n", "2"));
        Assert.Contains(problem, rejected);
    }

    [Fact]
    public void InfoOnAConsistentModelWarnsAboutNothing()
    {
        var info = LepProcess.Run("info", _model);
        Assert.Equal(0, info.ExitCode);
        Assert.Equal("", info.StdErr);
    }

    // --- special tokens: an output never names a token its vocabulary lacks ---

    [Fact]
    public void InitWithATokenizerLackingTheBasesSpecialTokensKeepsNoneOfThemAndExportsToGguf()
    {
        string trained = _root.File("tok");
        Assert.Equal(0, LepProcess.Run("tokenizer", "train", "--type", "bpe", "--corpus", Text(), "--vocab-size", "300", "--special", "<|end_of_text|>", "--out", trained).ExitCode);
        // Only tokenizer.json, as a downloaded llama3.tokenizer.json comes: its config is then the base's.
        string lone = _root.File("llama3.tokenizer.json");
        File.Copy(Path.Combine(trained, "tokenizer.json"), lone);
        string donor = _root.File("donor");
        var r = LepProcess.Run("init", "--base", _model, "--tokenizer", lone, "--out", donor);
        Assert.True(r.ExitCode == 0, r.StdErr);
        string baseConfig = Path.Combine(_model, "tokenizer_config.json");
        Assert.Equal(
            [
                $"warning: bos_token '<|begin_of_text|>' (named in {baseConfig}) is not in the new vocabulary; dropped",
                $"warning: pad_token '<|pad|>' (named in {baseConfig}) is not in the new vocabulary; dropped",
            ],
            r.StdErr.TrimEnd().Split('\n'));

        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(donor, "tokenizer_config.json")))!.AsObject();
        Assert.False(tokenizerConfig.ContainsKey("pad_token"));
        Assert.False(tokenizerConfig.ContainsKey("bos_token"));
        Assert.Equal("<|end_of_text|>", (string?)tokenizerConfig["eos_token"]); // remapped by name
        var config = ModelConfig.Load(Path.Combine(donor, "config.json"));
        var newTokenizer = Lep.Tokenization.Tokenizer.Load(lone);
        Assert.Equal([newTokenizer.TokenToId("<|end_of_text|>")!.Value], config.EosTokenIds);
        Assert.Null(config.PadTokenId);
        Assert.Null(config.BosTokenId);

        string gguf = _root.File("donor.gguf");
        var export = LepProcess.Run("export", "gguf", donor, gguf);
        Assert.True(export.ExitCode == 0, export.StdErr);
        Assert.True(new FileInfo(gguf).Length > 1000);
    }

    // --- the one corpus rule: not UTF-8 text, or no text at all, is refused by every corpus consumer ---

    /// <summary>Each command that reads a corpus, with CORPUS where the corpus goes and OUT for its output.</summary>
    public static TheoryData<string, string[]> CorpusConsumers => new()
    {
        { "tokenizer train", ["tokenizer", "train", "--type", "bpe", "--corpus", "CORPUS", "--vocab-size", "300", "--out", "OUT"] },
        { "tokenizer extend", ["tokenizer", "extend", "--tokenizer", "MODEL", "--corpus", "CORPUS", "--add", "10", "--out", "OUT"] },
        { "train", ["train", "MODEL", "--corpus", "CORPUS", "--out", "OUT", "--steps", "1", "--warmup", "0"] },
        { "train --validation", ["train", "MODEL", "--corpus", "TEXT", "--validation", "CORPUS", "--out", "OUT", "--steps", "1", "--warmup", "0"] },
        { "calibrate --copy-from", ["calibrate", "INSTRUCT", "--copy-from", "CORPUS", "--out", "OUT", "--steps", "1", "--warmup", "0"] },
        { "propagate cooccurrence", ["propagate", "--base", "MODEL", "--instruct", "MODEL", "--donor", "MODEL", "--mode", "cooccurrence", "--corpus", "CORPUS", "--out", "OUT"] },
    };

    private LepProcess.Result RunOn(string[] args, string corpus)
    {
        string text = Text(), output = _root.File("out");
        string instruct = Path.Combine(TestZoo.Shipped, "lep-tiny-instruct");
        return LepProcess.Run(args.Select(a => a switch { "CORPUS" => corpus, "TEXT" => text, "MODEL" => _model, "INSTRUCT" => instruct, "OUT" => output, _ => a }).ToArray());
    }

    private void AssertNothingWritten()
    {
        Assert.False(Path.Exists(_root.File("out")));
        Assert.False(Path.Exists(_root.File("out.run")));
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path, ".*"));
    }

    [Theory]
    [MemberData(nameof(CorpusConsumers))]
    public void RandomBytesAreNotACorpus(string command, string[] args)
    {
        string corpus = _root.File("random.txt");
        var bytes = new byte[10_000];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(corpus, bytes);
        string line = OneLine(RunOn(args, corpus));
        Assert.Matches($@"^error: {System.Text.RegularExpressions.Regex.Escape(corpus)}: 4\d(\.\d)? % of its bytes are not valid UTF-8 \([\d,]+ of 10,000\): not UTF-8 text", line);
        AssertNothingWritten();
        Assert.NotNull(command);
    }

    [Theory]
    [MemberData(nameof(CorpusConsumers))]
    public void AWhitespaceOnlyCorpusIsEmpty(string command, string[] args)
    {
        foreach (var (name, content) in new[] { ("blank.txt", " \n\t\n\n   \n\u3000\n"), ("blank.jsonl", "{\"text\": \"  \\n \"}\n{\"text\": \"\"}\n") })
        {
            string corpus = _root.File(name);
            File.WriteAllText(corpus, content);
            Assert.Equal($"error: {corpus}: no text: the corpus is empty or holds only whitespace", OneLine(RunOn(args, corpus)));
            AssertNothingWritten();
        }
        Assert.NotNull(command);
    }

    [Fact]
    public void AFewInvalidBytesAreSkippedWithOneWarningLine()
    {
        string corpus = _root.File("damaged.txt");
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(File.ReadAllText(Text())));
        bytes.InsertRange(100, [0xFF, 0xC3]);
        bytes.Insert(400, 0xC0);
        File.WriteAllBytes(corpus, bytes.ToArray());
        var r = LepProcess.Run("tokenizer", "train", "--type", "bpe", "--corpus", corpus, "--vocab-size", "300", "--out", _root.File("out"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains($"warning: {corpus}: skipped 3 invalid UTF-8 bytes in 2 lines (0.4 % of the file)", r.StdErr);
    }

    [Fact]
    public void TokenizerExtendNamesTheTokenizerFileInItsErrors()
    {
        string unigram = _root.File("unigram");
        Assert.Equal(0, LepProcess.Run("tokenizer", "train", "--type", "unigram", "--corpus", Text(), "--vocab-size", "300", "--out", unigram).ExitCode);
        string line = OneLine(LepProcess.Run("tokenizer", "extend", "--tokenizer", unigram, "--corpus", Text(), "--add", "10", "--out", _root.File("out")));
        Assert.Equal($"error: {Path.Combine(unigram, "tokenizer.json")}: extend needs a BPE model, this tokenizer has Unigram", line);
        Assert.False(Path.Exists(_root.File("out")));
    }
}
