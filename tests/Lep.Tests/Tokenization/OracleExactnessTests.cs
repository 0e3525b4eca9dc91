using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Lep.Tests.Tokenization;

/// <summary>Our engine vs HF tokenizers (Tokenizers.DotNet 1.4.1) on real tokenizers: corpus documents, fuzz
/// strings, and decoding.</summary>
[Collection("TokenizerOracle")]
public sealed class OracleExactnessTests(OracleFixture fx, ITestOutputHelper output)
{
    public static TheoryData<string> Names => new() { "llama3", "darulm32k-bpe", "darulm32k-unigram" };

    private void AssertSameIds(string name, IReadOnlyList<string> texts, string what)
    {
        var ours = fx.Ours[name];
        var oracle = fx.Oracle[name];
        int bad = 0;
        var report = new StringBuilder();
        for (int i = 0; i < texts.Count; i++)
        {
            var a = ours.Encode(texts[i], addSpecialTokens: true);
            var b = OracleFixture.OracleEncode(oracle, texts[i]);
            if (a.AsSpan().SequenceEqual(b)) continue;
            if (++bad <= 5)
                report.AppendLine($"{what} #{i} {Escape(texts[i])}\n  ours   [{string.Join(",", a)}]\n  oracle [{string.Join(",", b)}]");
        }
        output.WriteLine($"{name}: {texts.Count} {what}, {bad} mismatches");
        Assert.True(bad == 0, $"{name}: {bad} of {texts.Count} {what} differ\n{report}");
    }

    internal static string Escape(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var r in s.EnumerateRunes())
            sb.Append(r.Value is < 0x20 or > 0x7E ? $"\\u{{{r.Value:X}}}" : r.ToString());
        return sb.Append('"').ToString();
    }

    [SkippableTheory]
    [MemberData(nameof(Names))]
    public void Corpus_documents_encode_identically(string name)
    {
        Assert.True(fx.Documents.Count >= 10_000);
        AssertSameIds(name, fx.Documents, "documents");
    }

    [SkippableTheory]
    [MemberData(nameof(Names))]
    public void Fuzz_strings_encode_identically(string name)
    {
        Assert.True(fx.Fuzz.Count >= 2_000);
        AssertSameIds(name, fx.Fuzz, "fuzz strings");
    }

    [SkippableTheory]
    [MemberData(nameof(Names))]
    public void Decode_matches_oracle(string name)
    {
        var ours = fx.Ours[name];
        var oracle = fx.Oracle[name];
        int bad = 0, n = 0;
        var report = new StringBuilder();
        foreach (var text in fx.Fuzz.Concat(fx.Documents.Take(3000)))
        {
            var ids = ours.Encode(text, true);
            var a = ours.Decode(ids, skipSpecialTokens: true);
            var b = oracle.Decode(OracleFixture.ToUInt(ids));
            n++;
            if (a == b) continue;
            if (++bad <= 5) report.AppendLine($"{Escape(text)}\n  ours   {Escape(a)}\n  oracle {Escape(b)}");
        }
        output.WriteLine($"{name}: {n} decodes, {bad} mismatches");
        Assert.True(bad == 0, $"{name}: {bad} decodes differ\n{report}");
    }

    [SkippableFact]
    public void Llama3_decode_of_encode_is_identity()
    {
        var t = fx.Ours["llama3"];
        int bad = 0;
        string? first = null;
        foreach (var text in fx.Fuzz.Concat(fx.Documents))
        {
            var back = t.Decode(t.Encode(text, addSpecialTokens: false), skipSpecialTokens: false);
            if (back == text) continue;
            bad++;
            first ??= $"{Escape(text)} -> {Escape(back)}";
        }
        Assert.True(bad == 0, $"{bad} round trips failed, e.g. {first}");
    }

    [SkippableFact]
    public void Special_tokens_are_added_only_on_request()
    {
        var t = fx.Ours["darulm32k-bpe"];
        var with = t.Encode("привет мир", true);
        var without = t.Encode("привет мир", false);
        Assert.Equal(1, with[0]);
        Assert.Equal(with[1..], without);
        Assert.Equal("привет мир", t.Decode(with, skipSpecialTokens: true));
        Assert.StartsWith("<s>", t.Decode(with, skipSpecialTokens: false));
        var l3 = fx.Ours["llama3"];
        Assert.Equal(l3.Encode("hi", true), l3.Encode("hi", false)); // Llama-3's tokenizer.json has no template
        Assert.Equal(128000, l3.TokenToId("<|begin_of_text|>"));
        Assert.Equal("<|begin_of_text|>", l3.IdToToken(128000));
        Assert.Equal(128256, l3.VocabSize);
    }

    [SkippableFact]
    public void Llama3_loads_fast_and_encodes_over_1MB_per_second()
    {
        var sw = Stopwatch.StartNew();
        var t = Lep.Tokenization.Tokenizer.Load(OracleFixture.TokenizerPath("llama3"));
        double load = sw.Elapsed.TotalSeconds;
        var docs = fx.Documents.Take(4000).ToList();
        long bytes = docs.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
        sw.Restart();
        foreach (var d in docs) t.Encode(d, true); // cold: empty BPE cache
        double cold = sw.Elapsed.TotalSeconds;
        sw.Restart();
        foreach (var d in docs) t.Encode(d, true);
        double warm = sw.Elapsed.TotalSeconds;
        sw.Restart();
        foreach (var d in docs) fx.Oracle["llama3"].Encode(d);
        double hf = sw.Elapsed.TotalSeconds;
        output.WriteLine($"llama3 load {load:F2} s; encode {bytes / 1e6:F2} MB: cold {bytes / cold / 1e6:F2} MB/s, warm {bytes / warm / 1e6:F2} MB/s, HF (Tokenizers.DotNet) {bytes / hf / 1e6:F2} MB/s");
        Assert.True(load < 4.0, $"load took {load:F2} s");
        Assert.True(bytes / warm > 1e6, $"warm encode {bytes / warm / 1e6:F2} MB/s");
    }
}
