using System.Text;
using System.Text.Json;
using Lep.Tests.Support;
using Lep.Tests.Tokenization.Training;
using Lep.Tokenization;

namespace Lep.Tests.Tokenization.Statistics;

/// <summary>`lep tokenizer …` end to end: encode/decode, stats, the vocabulary commands, and bad inputs (one-line
/// error, exit code 2, nothing written).</summary>
public sealed class TokenizerCliTests(TrainingFixture fx) : IClassFixture<TrainingFixture>
{
    private static string Tok(string name) => OracleFixture.TokenizerPath(name);

    private string Docs(string name, params string[] docs)
    {
        var p = Path.Combine(fx.Dir, name);
        File.WriteAllText(p, string.Join("\n\n", docs) + "\n");
        return p;
    }

    [SkippableFact]
    public void Encode_prints_one_array_per_document_and_decode_inverts_it()
    {
        var input = Docs("enc.txt", "Привет, мир!", "Hello world\nsecond line", "  spaces  ");
        var r = LepProcess.Run("tokenizer", "encode", "--tokenizer", Tok("darulm32k-unigram"), "--input", input);
        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        var ours = Tokenizer.Load(Tok("darulm32k-unigram"));
        Assert.Equal(ours.Encode("Привет, мир!", false), JsonSerializer.Deserialize<int[]>(lines[0]));
        var withSpecial = LepProcess.Run("tokenizer", "encode", "--tokenizer", Tok("darulm32k-unigram"), "--input", input, "--add-special-tokens");
        Assert.StartsWith("[1,", withSpecial.StdOut);
        var idsFile = Path.Combine(fx.Dir, "ids.jsonl");
        File.WriteAllText(idsFile, r.StdOut);
        var d = LepProcess.Run("tokenizer", "decode", "--tokenizer", Tok("darulm32k-unigram"), "--input", idsFile);
        Assert.Equal(0, d.ExitCode);
        Assert.Equal("Привет, мир!\n\nHello world\nsecond line\n\n  spaces  \n", d.StdOut);
    }

    [SkippableFact]
    public void Stats_compares_tokenizers_side_by_side()
    {
        var input = Docs("stats.txt", fx.RuHeldOut.Take(200).ToArray());
        var r = LepProcess.Run("tokenizer", "stats", "--tokenizer", Tok("llama3"), "--tokenizer", Tok("darulm32k-unigram"), "--input", input, "--json");
        Assert.Equal(0, r.ExitCode);
        var arr = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.Equal(2, arr.GetArrayLength());
        var llama = arr[0];
        var tok = Tokenizer.Load(Tok("llama3"));
        long tokens = fx.RuHeldOut.Take(200).Sum(x => (long)tok.Encode(x, false).Length);
        Assert.Equal(tokens, llama.GetProperty("Tokens").GetInt64());
        Assert.InRange(llama.GetProperty("CharsPerToken").GetDouble(), 2.5, 4.0);
        Assert.Equal(0, llama.GetProperty("ByteFallbackRate").GetDouble());
        Assert.True(arr[1].GetProperty("ByteFallbackRate").GetDouble() >= 0);
        Assert.InRange(arr[1].GetProperty("SingleTokenWordShare").GetDouble(), 0.2, 0.9);
        var table = LepProcess.Run("tokenizer", "stats", "--tokenizer", Tok("llama3"), "--input", input);
        Assert.Contains("chars/", table.StdOut);
    }

    [SkippableFact]
    public void Train_extend_trim_replace_write_complete_directories()
    {
        string outDir = Path.Combine(fx.Dir, "cli");
        var t = LepProcess.Run("tokenizer", "train", "--type", "unigram", "--corpus", fx.Mixed1M, "--vocab-size", "1500", "--out", outDir + "/uni");
        Assert.True(t.ExitCode == 0, t.StdErr);
        Assert.Contains("peak RSS", t.StdOut);
        var rep = LepProcess.Run("tokenizer", "replace", "--source", Tok("darulm32k-bpe"), "--tokenizer", outDir + "/uni", "--out", outDir + "/rep");
        Assert.True(rep.ExitCode == 0, rep.StdErr);
        var ext = LepProcess.Run("tokenizer", "extend", "--tokenizer", Tok("darulm32k-bpe"), "--corpus", fx.Mixed1M, "--add", "100", "--out", outDir + "/ext");
        Assert.True(ext.ExitCode == 0, ext.StdErr);
        var trim = LepProcess.Run("tokenizer", "trim", "--tokenizer", outDir + "/ext", "--keep", "5000", "--out", outDir + "/trim");
        Assert.True(trim.ExitCode == 0, trim.StdErr);
        foreach (var d in new[] { "uni", "rep", "ext", "trim" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, d, "tokenizer.json")));
            Assert.True(File.Exists(Path.Combine(outDir, d, "tokenizer_config.json")));
            using var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: Path.Combine(outDir, d, "tokenizer.json"));
            Assert.NotEmpty(oracle.Encode("проверка"));
        }
        Assert.True(File.Exists(Path.Combine(outDir, "ext", "alignment.json")));
        Assert.Equal(5000, Tokenizer.Load(outDir + "/trim").VocabSize);
    }

    private void AssertBadInput(string outDir, string mention, params string[] args)
    {
        var r = LepProcess.Run(args);
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StdErr.TrimEnd().Split('\n'));
        Assert.StartsWith("error:", line);
        Assert.Contains(mention, line);
        Assert.False(Directory.Exists(outDir), "nothing may be written");
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(outDir)!, "." + Path.GetFileName(outDir) + "*"));
    }

    [SkippableFact]
    public void Bad_inputs_fail_with_one_line_exit_2_and_write_nothing()
    {
        string root = Path.Combine(fx.Dir, "bad");
        Directory.CreateDirectory(root);
        string outDir = Path.Combine(root, "out");
        string W(string name, string content) { var p = Path.Combine(root, name); File.WriteAllText(p, content); return p; }
        var corpus = Docs("ok.txt", "привет мир", "hello world");

        AssertBadInput(outDir, "invalid JSON", "tokenizer", "extend", "--tokenizer", W("malformed.json", "{\"model\": {"), "--corpus", corpus, "--add", "5", "--out", outDir);
        AssertBadInput(outDir, "\"c\"", "tokenizer", "trim", "--tokenizer",
            W("unknown-merge.json", """{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b","a c"]}}"""), "--keep", "3", "--out", outDir);
        AssertBadInput(outDir, "duplicate id", "tokenizer", "trim", "--tokenizer",
            W("dup.json", """{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":1},"merges":[]}}"""), "--keep", "2", "--out", outDir);
        AssertBadInput(outDir, "gap", "tokenizer", "trim", "--tokenizer",
            W("gap.json", """{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":5},"merges":[]}}"""), "--keep", "2", "--out", outDir);
        AssertBadInput(outDir, "Mystery", "tokenizer", "replace", "--source", Tok("darulm32k-bpe"), "--tokenizer",
            W("mystery.json", """{"model":{"type":"Mystery"}}"""), "--out", outDir);
        AssertBadInput(outDir, "empty", "tokenizer", "train", "--type", "bpe", "--corpus", W("empty.txt", "\n\n"), "--vocab-size", "300", "--out", outDir);
        AssertBadInput(outDir, "empty", "tokenizer", "extend", "--tokenizer", Tok("darulm32k-bpe"), "--corpus", W("empty2.txt", ""), "--add", "5", "--out", outDir);
        AssertBadInput(outDir, "not found", "tokenizer", "train", "--type", "bpe", "--corpus", Path.Combine(root, "nope.txt"), "--vocab-size", "300", "--out", outDir);
        AssertBadInput(outDir, "smaller", "tokenizer", "train", "--type", "bpe", "--corpus", corpus, "--vocab-size", "100", "--out", outDir);
        AssertBadInput(outDir, "outside the vocabulary", "tokenizer", "decode", "--tokenizer", Tok("darulm32k-bpe"), "--input", W("ids.txt", "[1,2,99999]\n"));

        // a few non-UTF-8 bytes (up to 1 % of the file): skipped and counted, never a crash (more is refused: docs/safety.md)
        var badUtf8 = Path.Combine(root, "latin1.txt");
        string rest = string.Join(' ', Enumerable.Repeat("мир мир", 20));
        File.WriteAllBytes(badUtf8, [.. Encoding.UTF8.GetBytes("привет мир привет\n\n"), 0xE9, 0xE8, .. Encoding.UTF8.GetBytes($" caf\n\n{rest}\n")]);
        var r = LepProcess.Run("tokenizer", "train", "--type", "bpe", "--corpus", badUtf8, "--vocab-size", "270", "--min-frequency", "1", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("2 invalid UTF-8 bytes skipped", r.StdOut);
        Assert.Contains($"warning: {badUtf8}: skipped 2 invalid UTF-8 bytes in 1 line (0.", r.StdErr);
        var e = LepProcess.Run("tokenizer", "encode", "--tokenizer", outDir, "--input", badUtf8);
        Assert.Equal(0, e.ExitCode);
        Assert.Equal(3, e.StdOut.TrimEnd().Split('\n').Length);
        Assert.Contains($"warning: {badUtf8}: skipped 2 invalid UTF-8 bytes in 1 line (0.", e.StdErr);
    }
}
