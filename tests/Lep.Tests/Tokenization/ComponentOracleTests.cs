using Lep.Tokenization;
using Lep.Tokenization.Decoders;
using Lep.Tokenization.Models;
using Lep.Tokenization.Normalizers;
using Lep.Tokenization.PostProcessors;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tests.Tokenization;

/// <summary>Components the three shipped tokenizers do not use, each checked against HF tokenizers on a
/// tokenizer.json we build and save.</summary>
[Collection("TokenizerOracle")]
public sealed class ComponentOracleTests(OracleFixture fx) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-tokc-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private IEnumerable<string> Texts(int docs = 150, int fuzz = 400) =>
        new[] { "", " ", "Hello, world!", "it's  O'Neil's 12345 \t\n x", "a--b..c", "¿Qué?", "«Ёлки-палки», 2024 г.", "x1y22z333" }
            .Concat(fx.Documents.Take(docs)).Concat(fx.Fuzz.Take(fuzz));

    private void Check(Tokenizer tok, string name, IEnumerable<string> texts)
    {
        var path = Path.Combine(_dir, name + ".json");
        tok.Save(path);
        using var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: path);
        var reloaded = Tokenizer.Load(path);
        foreach (var text in texts)
        {
            var a = tok.Encode(text, true);
            var b = OracleFixture.OracleEncode(oracle, text);
            Assert.True(a.AsSpan().SequenceEqual(b), $"{name}: {OracleExactnessTests.Escape(text)}\n ours   [{string.Join(",", a)}]\n oracle [{string.Join(",", b)}]");
            Assert.Equal(a, reloaded.Encode(text, true));
            Assert.Equal(oracle.Decode(OracleFixture.ToUInt(a)), tok.Decode(a, true));
        }
    }

    private static AddedToken[] DarulmSpecials => [new("<unk>", true), new("<s>", true), new("</s>", true)];

    public static TheoryData<string, bool, bool> SplitCases()
    {
        var d = new TheoryData<string, bool, bool>();
        foreach (var b in Enum.GetNames<SplitBehavior>())
            foreach (var invert in new[] { false, true })
                foreach (var regex in new[] { true, false })
                    d.Add(b, invert, regex);
        return d;
    }

    [SkippableTheory]
    [MemberData(nameof(SplitCases))]
    public void Split_behaviors_and_invert_match_oracle(string behavior, bool invert, bool regex)
    {
        var model = (Unigram)fx.Ours["darulm32k-unigram"].Model;
        var pattern = regex ? new Pattern(@"\p{P}+|\d|\s+", true) : new Pattern("--", false);
        var tok = new Tokenizer(model,
            preTokenizer: new PreTokenizerSequence([new SplitPreTokenizer(pattern, Enum.Parse<SplitBehavior>(behavior), invert), new Metaspace('▁', PrependScheme.Always, true)]),
            decoder: new DecoderSequence([new MetaspaceDecoder('▁', PrependScheme.Always, true), new ByteFallbackDecoder(), new FuseDecoder()]),
            addedTokens: DarulmSpecials);
        Check(tok, $"split-{behavior}-{invert}-{regex}", Texts(60, 200));
    }

    [SkippableFact]
    public void Gpt2_style_byte_level_with_prefix_space_and_regex_matches_oracle()
    {
        var l3 = (Bpe)fx.Ours["llama3"].Model;
        var model = new Bpe(l3.GetVocab(), l3.Merges.ToList(), ignoreMerges: false);
        var tok = new Tokenizer(model,
            preTokenizer: new ByteLevelPreTokenizer(addPrefixSpace: true, trimOffsets: true, useRegex: true),
            postProcessor: new ByteLevelProcessor(true, true, true),
            decoder: new ByteLevelDecoder(true, true, true),
            addedTokens: [new AddedToken("<|endoftext|>", true), new AddedToken(" hello world", false, LStrip: false, RStrip: true), new AddedToken("ПРИВЕТ", false, SingleWord: true)]);
        Check(tok, "gpt2", Texts().Concat(["x hello world y", "ПРИВЕТ мир", "aПРИВЕТ", "ПРИВЕТ", "<|endoftext|>a", " hello world   z"]));
    }

    [SkippableFact]
    public void Bpe_with_subword_prefix_suffix_and_unk_matches_oracle()
    {
        var vocab = new Dictionary<string, int> { ["[UNK]"] = 0 };
        void Add(string t) { if (!vocab.ContainsKey(t)) vocab[t] = vocab.Count; }
        foreach (char c in "abcdefghijklmnopqrstuvwxyz")
        {
            Add(c.ToString());
            Add("##" + c);
            Add(c + "</w>");
            Add("##" + c + "</w>");
        }
        var merges = new List<(string, string)> { ("t", "##h"), ("th", "##e</w>"), ("a", "##n"), ("an", "##d</w>"), ("##e", "##r</w>"), ("l", "##o"), ("lo", "##w") };
        foreach (var (a, b) in merges) Add(a + b[2..]);
        foreach (var unkFuse in new[] { false, true })
        {
            var model = new Bpe(vocab, merges, unkToken: "[UNK]", continuingSubwordPrefix: "##", endOfWordSuffix: "</w>", fuseUnk: unkFuse);
            var tok = new Tokenizer(model, normalizer: new Lowercase(), preTokenizer: new Whitespace(),
                postProcessor: new ClsSepProcessor("BertProcessing", ("[UNK]", 0), ("[UNK]", 0), null),
                addedTokens: [new AddedToken("[UNK]", true)]);
            Check(tok, $"subword-{unkFuse}", Texts(50, 200).Concat(["the and lower", "THE ÄND", "x1!y", "ünïcödé wörds"]));
        }
    }

    [SkippableFact]
    public void Bpe_byte_fallback_with_missing_bytes_and_unk_matches_oracle()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0 };
        void Add(string t) { if (!vocab.ContainsKey(t)) vocab[t] = vocab.Count; }
        foreach (char c in "abc▁") Add(c.ToString());
        for (int b = 0x20; b < 0xE0; b++) Add($"<0x{b:X2}>"); // bytes ≥ 0xE0 (3- and 4-byte leads) missing
        foreach (var fuse in new[] { false, true })
        {
            var merges = new List<(string, string)> { ("a", "b"), ("▁", "ab") };
            AddMerged(vocab, merges);
            var model = new Bpe(vocab, merges, unkToken: "<unk>", fuseUnk: fuse, byteFallback: true);
            var tok = new Tokenizer(model, normalizer: new Replace(new Pattern(" ", false), "▁"),
                decoder: new DecoderSequence([new ByteFallbackDecoder(), new FuseDecoder()]),
                addedTokens: [new AddedToken("<unk>", true)]);
            Check(tok, $"bytefallback-{fuse}", Texts(30, 300).Concat(["abc дж 中文 ab", "中中a中", "\U0001F600ab"]));
        }
    }

    private static bool AddMerged(Dictionary<string, int> vocab, List<(string, string)> merges)
    {
        foreach (var (a, b) in merges) vocab.TryAdd(a + b, vocab.Count);
        return true;
    }

    [SkippableFact]
    public void Unigram_without_byte_fallback_uses_unk_like_oracle()
    {
        var src = (Unigram)fx.Ours["darulm32k-unigram"].Model;
        var model = new Unigram(src.Pieces, unkId: 0, byteFallback: false);
        var tok = new Tokenizer(model,
            normalizer: new NormalizerSequence([new Prepend("▁"), new Replace(new Pattern(" ", false), "▁")]),
            postProcessor: new PostProcessorSequence([new ByteLevelProcessor(false, false, false),
                new TemplateProcessing([new TemplatePiece(false, "<s>", 0), new TemplatePiece(true, "A", 0), new TemplatePiece(false, "</s>", 0)],
                    [new TemplatePiece(true, "A", 0), new TemplatePiece(true, "B", 1)],
                    new Dictionary<string, TemplateSpecialToken> { ["<s>"] = new("<s>", [1], ["<s>"]), ["</s>"] = new("</s>", [2], ["</s>"]) })]),
            decoder: new DecoderSequence([new ReplaceDecoder(new Pattern("▁", false), " "), new FuseDecoder(), new StripDecoder(" ", 1, 0)]),
            addedTokens: DarulmSpecials);
        Check(tok, "unigram-unk", Texts());
    }
}
