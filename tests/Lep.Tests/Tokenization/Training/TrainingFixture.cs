using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;

namespace Lep.Tests.Tokenization.Training;

/// <summary>Small corpora cut from the test data (once per run, on first use: a missing corpus skips the tests that
/// use one) and the held-out documents to compare on.</summary>
public sealed class TrainingFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("lep-toktrain-").FullName;
    /// <summary>~2 MB of Russian training text.</summary>
    public string Ru2M => _ru2M.Value;
    /// <summary>~1 MB: Russian and English documents.</summary>
    public string Mixed1M => _mixed1M.Value;
    public List<string> HeldOut => [.. RuHeldOut, .. EnHeldOut];
    public List<string> RuHeldOut => _ruHeldOut.Value;
    public List<string> EnHeldOut => _enHeldOut.Value;

    private readonly Lazy<string> _ru2M, _mixed1M;
    private readonly Lazy<List<string>> _ruHeldOut = new(() => OracleFixture.ReadDocs(TestData.Corpus("ru_heldout.txt"), 1500));
    private readonly Lazy<List<string>> _enHeldOut = new(() => OracleFixture.ReadDocs(TestData.Corpus("en_heldout.txt"), 1500));

    public TrainingFixture()
    {
        _ru2M = new(() => Cut(TestData.Corpus("ru_train.txt"), 2_000_000, "ru2m.txt"));
        _mixed1M = new(() =>
        {
            var mixed = OracleFixture.ReadDocs(TestData.Corpus("ru_train.txt"), 2500).Concat(OracleFixture.ReadDocs(TestData.Corpus("en_train.txt"), 2500));
            string path = Path.Combine(Dir, "mixed.txt");
            File.WriteAllText(path, string.Join("\n\n", mixed) + "\n");
            return path;
        });
    }

    private string Cut(string path, int bytes, string name)
    {
        var buf = new byte[bytes];
        using (var fs = File.OpenRead(path)) bytes = fs.ReadAtLeast(buf, bytes, throwOnEndOfStream: false);
        int end = bytes;
        while (end > 0 && buf[end - 1] != '\n') end--;
        var p = Path.Combine(Dir, name);
        File.WriteAllBytes(p, buf[..end]);
        return p;
    }

    public string Save(Tokenizer tok, string name)
    {
        var dir = Path.Combine(Dir, name);
        TokenizerFiles.WriteDirectory(dir, tok, null, null);
        return dir;
    }

    /// <summary>Our tokenizer, re-loaded from disk, and HF's agree on every text; decode(encode(x)) == x.</summary>
    public static void AssertOracleAgrees(string dir, IEnumerable<string> texts, bool lossless = true)
    {
        var ours = Tokenizer.Load(dir);
        using var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: Path.Combine(dir, "tokenizer.json"));
        int n = 0;
        bool byteLevel = TokenText.UsesByteLevel(ours); // SentencePiece styles are not lossless ('▁', "<0xNN>" in text)
        foreach (var text in texts)
        {
            var a = ours.Encode(text, true);
            var b = OracleFixture.OracleEncode(oracle, text);
            Assert.True(a.AsSpan().SequenceEqual(b), $"{OracleExactnessTests.Escape(text)}\n ours   [{string.Join(",", a)}]\n oracle [{string.Join(",", b)}]");
            Assert.Equal(oracle.Decode(OracleFixture.ToUInt(a)), ours.Decode(a, true));
            if (lossless && byteLevel) Assert.Equal(text, ours.Decode(ours.Encode(text, false), false));
            n++;
        }
        Assert.True(n > 0);
    }

    public static double CharsPerToken(Tokenizer tok, IEnumerable<string> docs)
    {
        long chars = 0, tokens = 0;
        foreach (var d in docs)
        {
            chars += d.EnumerateRunes().Count();
            tokens += tok.Encode(d, false).Length;
        }
        return (double)chars / tokens;
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

