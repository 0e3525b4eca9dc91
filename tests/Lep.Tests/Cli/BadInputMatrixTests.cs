using System.Diagnostics;
using System.Text.Json.Nodes;
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
    public void ABadChoiceIsOneLinePointingAtTheRightHelp()
    {
        var r = LepProcess.Run("tokenizer", "train", "--type", "wordpiece", "--corpus", Text(), "--vocab-size", "300", "--out", _root.File("out"));
        string line = OneLine(r);
        Assert.Contains("wordpiece", line);
        Assert.EndsWith("(see 'lep tokenizer train --help')", line);
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
}
