using Lep.Tokenization;
using Lep.Tokenization.Models;
using Lep.Tokenization.Normalizers;

namespace Lep.Tests.Tokenization;

/// <summary>SentencePiece-style BPE (no pre-tokenizer, the whole text is one piece): our engine cuts the piece
/// before every '▁' only when no merge can cross such a cut, and otherwise merges the whole piece. Both kinds of
/// vocabulary, with byte fallback or unk, short and long (priority-queue path) words, agree with the oracle.</summary>
[Collection("TokenizerOracle")]
public sealed class BpeMetaspaceSplitTests(OracleFixture fx) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Sentencepiece_style_bpe_matches_oracle(bool mergesCrossMeta, bool byteFallback)
    {
        var vocab = new Dictionary<string, int>();
        void Add(string t) { if (!vocab.ContainsKey(t)) vocab[t] = vocab.Count; }
        Add("<unk>");
        foreach (char c in "abcde▁") Add(c.ToString());
        if (byteFallback) for (int b = 0; b < 256; b++) Add($"<0x{b:X2}>");
        var merges = new List<(string, string)>
        {
            ("▁", "a"), ("a", "b"), ("▁a", "b"), ("b", "c"), ("c", "c"), ("cc", "cc"), ("▁", "c"), ("d", "e"), ("▁", "b"),
            ("e", "e"), ("▁ab", "cc"), ("de", "a"),
        };
        if (mergesCrossMeta)
            merges.AddRange([("a", "▁b"), ("▁", "▁"), ("b", "▁b"), ("▁▁", "▁"), ("e", "▁"), ("e▁", "▁a")]);
        foreach (var (a, b) in merges) Add(a + b);
        var model = new Bpe(vocab, merges, unkToken: "<unk>", fuseUnk: true, byteFallback: byteFallback);
        Assert.Equal(!mergesCrossMeta, model.SplitsAtMeta);
        var tok = new Tokenizer(model,
            normalizer: new NormalizerSequence([new Prepend("▁"), new Replace(new Pattern(" ", false), "▁")]),
            addedTokens: [new AddedToken("<unk>", Special: true)]);
        var path = Path.Combine(_dir, "spbpe.json");
        tok.Save(path);

        var rng = new Random(12345);
        const string alphabet = "aaabbbcccdde   xy▁é\U0001F600";
        var texts = new List<string> { "", " ", "a", "a b", "ab  ab", "e  a b", "abcc abcc", "xyx yxy", "▁▁▁", "b▁b e▁▁a" };
        for (int i = 0; i < 400; i++)
        {
            int len = rng.Next(i < 200 ? 30 : 400);
            var sb = new System.Text.StringBuilder();
            for (int j = 0; j < len; j++)
            {
                int k = rng.Next(alphabet.Length);
                if (char.IsSurrogate(alphabet[k])) sb.Append("\U0001F600"); else sb.Append(alphabet[k]);
            }
            texts.Add(sb.ToString());
        }
        texts.Add(new string('c', 500) + " " + string.Concat(Enumerable.Repeat("abcc de ", 60)));
        texts.AddRange(fx.Fuzz.Take(300));

        using var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: path);
        foreach (var text in texts)
            for (int pass = 0; pass < 2; pass++) // second pass: from the word cache
            {
                var a = tok.Encode(text, true);
                var b = OracleFixture.OracleEncode(oracle, text);
                Assert.True(a.AsSpan().SequenceEqual(b), $"{OracleExactnessTests.Escape(text)}\n ours   [{string.Join(",", a)}]\n oracle [{string.Join(",", b)}]");
            }
    }

    [SkippableFact]
    public void Shipped_sentencepiece_bpe_splits_at_meta()
    {
        var model = Assert.IsType<Bpe>(fx.Ours["darulm32k-bpe"].Model);
        Assert.True(model.SplitsAtMeta);
        Assert.Null(fx.Ours["darulm32k-bpe"].PreTokenizer);
    }
}
