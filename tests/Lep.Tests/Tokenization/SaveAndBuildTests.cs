using System.Text.Json.Nodes;
using Lep.Tokenization;
using Lep.Tokenization.Decoders;
using Lep.Tokenization.Models;
using Lep.Tokenization.Normalizers;
using Lep.Tokenization.PostProcessors;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tests.Tokenization;

/// <summary>Saved and programmatically built tokenizer.json files load in HF tokenizers and encode the same.</summary>
[Collection("TokenizerOracle")]
public sealed class SaveAndBuildTests(OracleFixture fx) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static void AssertOracleAgrees(Tokenizer ours, string savedPath, IEnumerable<string> texts)
    {
        using var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: savedPath);
        foreach (var text in texts)
        {
            var a = ours.Encode(text, true);
            var b = OracleFixture.OracleEncode(oracle, text);
            Assert.True(a.AsSpan().SequenceEqual(b), $"{OracleExactnessTests.Escape(text)}\n ours   [{string.Join(",", a)}]\n oracle [{string.Join(",", b)}]");
            Assert.Equal(oracle.Decode(OracleFixture.ToUInt(a)), ours.Decode(a, true));
        }
    }

    [SkippableTheory]
    [InlineData("llama3")]
    [InlineData("darulm32k-bpe")]
    [InlineData("darulm32k-unigram")]
    public void Saved_tokenizer_loads_in_oracle_and_encodes_identically(string name)
    {
        var path = Path.Combine(_dir, name + ".json");
        fx.Ours[name].Save(path);
        var reloaded = Tokenizer.Load(path);
        var original = fx.Oracle[name];
        using var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: path);
        foreach (var text in fx.Fuzz.Take(1000).Concat(fx.Documents.Take(1000)))
        {
            var expected = OracleFixture.OracleEncode(original, text);
            Assert.Equal(expected, OracleFixture.OracleEncode(oracle, text));
            Assert.Equal(expected, reloaded.Encode(text, true));
        }
    }

    private static readonly string[] SmallTexts =
    [
        "", "a", "ab", "abc", "abcd", "hello world", "Hello World!", "low lower lowest", "newer wider",
        "x [MASK] y", "[MASK]", "a[MASK]b", "hi  [MASK]   there", "<sep>x", "x <sep> y", "<SEP>", "ñ é ü",
        "\U0001F600 emoji", "tab\there", "new\nline", "заяц", "zzz qqq", "  leading", "trailing  ", "sp  ec  ial",
        "word_one wordone", "<sep><sep>", "lowerest", "[MASK][MASK] low",
    ];

    [Fact]
    public void Programmatic_bpe_with_pair_merges_and_added_tokens_matches_oracle()
    {
        var vocab = new Dictionary<string, int>();
        void Add(string t) { if (!vocab.ContainsKey(t)) vocab[t] = vocab.Count; }
        Add("<unk>");
        foreach (char c in "abcdefghijklmnopqrstuvwxyz HWñéü!▁\t\n") Add(c.ToString());
        for (int b = 0; b < 256; b++) Add($"<0x{b:X2}>");
        var merges = new List<(string, string)>
        {
            ("l", "o"), ("lo", "w"), ("e", "r"), ("low", "er"), ("▁", "low"), ("e", "s"), ("es", "t"), ("▁", "w"),
            ("h", "e"), ("he", "l"), ("hel", "l"), ("hell", "o"), ("▁", "a"), ("w", "i"), ("wi", "d"),
        };
        foreach (var (a, b) in merges) Add(a + b);
        var model = new Bpe(vocab, merges, unkToken: "<unk>", fuseUnk: true, byteFallback: false);
        var tok = new Tokenizer(model,
            normalizer: new NormalizerSequence([new Lowercase(), new Replace(new Pattern(" ", false), "▁")]),
            preTokenizer: new PreTokenizerSequence([new Digits(true), new SplitPreTokenizer(new Pattern("▁", false), SplitBehavior.MergedWithNext, false)]),
            postProcessor: new TemplateProcessing(
                [new TemplatePiece(false, "<unk>", 0), new TemplatePiece(true, "A", 0)],
                [new TemplatePiece(true, "A", 0), new TemplatePiece(true, "B", 1)],
                new Dictionary<string, TemplateSpecialToken> { ["<unk>"] = new("<unk>", [0], ["<unk>"]) }),
            decoder: new DecoderSequence([new ReplaceDecoder(new Pattern("▁", false), " "), new FuseDecoder()]),
            addedTokens:
            [
                new AddedToken("<unk>", Special: true),
                new AddedToken("[MASK]", Special: true, LStrip: true, RStrip: true, Normalized: false),
                new AddedToken("<sep>", Special: false, SingleWord: true, Normalized: true),
                new AddedToken("lowest", Special: false),
            ]);
        var path = Path.Combine(_dir, "bpe.json");
        tok.Save(path);
        Assert.Contains("\"merges\": [\n      [\n", File.ReadAllText(path).Replace("\r", ""));
        AssertOracleAgrees(tok, path, SmallTexts.Concat(fx.Fuzz.Take(500)));
        // string-form merges ("a b", as older tokenizer.json files write them) load the same
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var pairs = (JsonArray)json["model"]!["merges"]!;
        json["model"]!["merges"] = new JsonArray(pairs.Select(m => (JsonNode?)$"{m![0]} {m[1]}").ToArray());
        string stringForm = Path.Combine(_dir, "bpe-string-merges.json");
        File.WriteAllText(stringForm, json.ToJsonString());
        var again = Tokenizer.Load(stringForm);
        foreach (string text in SmallTexts.Append("hello lower"))
            Assert.Equal(tok.Encode(text, true), again.Encode(text, true));
    }

    [Fact]
    public void Programmatic_unigram_with_byte_fallback_matches_oracle()
    {
        var pieces = new List<(string, double)> { ("<unk>", 0), ("<s>", 0), ("</s>", 0) };
        for (int b = 0; b < 256; b++) pieces.Add(($"<0x{b:X2}>", 0));
        var rng = new Random(7);
        foreach (var p in new[] { "▁", "a", "b", "c", "d", "e", "▁a", "▁ab", "ab", "abc", "bc", "cd", "▁abc", "de", "▁d", "п", "р", "и", "▁при", "вет", "ве", "т", "▁привет", "1", "2", "12" })
            pieces.Add((p, -1 - rng.NextDouble() * 10));
        var model = new Unigram(pieces, unkId: 0, byteFallback: true);
        var tok = new Tokenizer(model,
            normalizer: new NormalizerSequence([new Prepend("▁"), new Replace(new Pattern(" ", false), "▁")]),
            postProcessor: new TemplateProcessing(
                [new TemplatePiece(false, "<s>", 0), new TemplatePiece(true, "A", 0)],
                [new TemplatePiece(false, "<s>", 0), new TemplatePiece(true, "A", 0), new TemplatePiece(true, "B", 1)],
                new Dictionary<string, TemplateSpecialToken> { ["<s>"] = new("<s>", [1], ["<s>"]) }),
            decoder: new DecoderSequence([new ReplaceDecoder(new Pattern("▁", false), " "), new ByteFallbackDecoder(), new FuseDecoder(), new StripDecoder(" ", 1, 0)]),
            addedTokens: [new AddedToken("<unk>", true), new AddedToken("<s>", true), new AddedToken("</s>", true)]);
        var path = Path.Combine(_dir, "unigram.json");
        tok.Save(path);
        AssertOracleAgrees(tok, path, SmallTexts.Concat(["abcde", "привет", "при вет", "xyz", "abzde", "121", "<0x41>", "a<s>b"]).Concat(fx.Fuzz.Take(500)));
    }

    [SkippableFact]
    public void Metaspace_whitespace_punctuation_pipeline_matches_oracle()
    {
        var src = fx.Ours["darulm32k-unigram"];
        var model = (Unigram)src.Model;
        var tok = new Tokenizer(model,
            normalizer: new NormalizerSequence([new Strip(true, true), new Replace(new Pattern(@"\s{2,}", true), " ")]),
            preTokenizer: new PreTokenizerSequence([new WhitespaceSplit(), new Punctuation(SplitBehavior.Isolated), new Metaspace('▁', PrependScheme.First, true)]),
            decoder: new MetaspaceDecoder('▁', PrependScheme.First, true),
            addedTokens: [new AddedToken("<unk>", true), new AddedToken("<s>", true), new AddedToken("</s>", true)]);
        var path = Path.Combine(_dir, "metaspace.json");
        tok.Save(path);
        AssertOracleAgrees(tok, path, SmallTexts.Concat(fx.Documents.Take(300)).Concat(fx.Fuzz.Take(300)));
    }

    [SkippableTheory]
    [InlineData(nameof(UnicodeForm.NFKC))]
    [InlineData(nameof(UnicodeForm.NFC))]
    [InlineData(nameof(UnicodeForm.NFD))]
    [InlineData(nameof(UnicodeForm.NFKD))]
    public void Unicode_normalizers_lowercase_whitespace_digits_match_oracle(string formName)
    {
        var form = Enum.Parse<UnicodeForm>(formName);
        var model = (Unigram)fx.Ours["darulm32k-unigram"].Model;
        var tok = new Tokenizer(model,
            normalizer: new NormalizerSequence([new UnicodeNormalizer(form), new Lowercase()]),
            preTokenizer: new PreTokenizerSequence([new Whitespace(), new Digits(false), new Metaspace('▁', PrependScheme.Always, false)]),
            decoder: new DecoderSequence([new MetaspaceDecoder('▁', PrependScheme.Always, true), new ByteFallbackDecoder(), new FuseDecoder()]),
            addedTokens: [new AddedToken("<unk>", true), new AddedToken("<s>", true), new AddedToken("</s>", true), new AddedToken("ﬁx", false)]);
        var path = Path.Combine(_dir, $"norm-{form}.json");
        tok.Save(path);
        AssertOracleAgrees(tok, path, SmallTexts.Concat(["ﬁx the ﬁle", "Ǆemal ǅ ǆ", "İstanbul", "ΣΑΣ", "Ⅻ ½ ①②", "ｆｕｌｌ"]).Concat(fx.Documents.Take(200)).Concat(fx.Fuzz.Take(500)));
    }
}
