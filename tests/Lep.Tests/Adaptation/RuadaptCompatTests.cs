using System.Text.Json.Nodes;
using Lep.Adaptation.Propagation;
using Lep.Tests.Gguf;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;

namespace Lep.Tests.Adaptation;

/// <summary>
/// Our reading of a new token's old pieces next to the reference's (<c>--compat ruadapt</c>), pinned to expectations
/// worked out by hand on two tiny vocabularies. Ours decodes a token to bytes and re-encodes the text (whitespace
/// pieces weigh 0.1); the reference encodes the token's *spelling* after the sentinel 家 and averages plainly.
/// </summary>
public sealed class RuadaptCompatTests
{
    private const string Free = "<|free_1|>"; // an added token no config names: a padding slot like Qwen's

    private static Tokenizer Load(JsonObject json)
    {
        json["post_processor"] = null; // pieces are encoded without specials; the fixture's template names none
        return Tokenizer.FromJson(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    private static JsonObject WithAddedToken(JsonObject tok, string content)
    {
        int id = TinyTokenizers.Size(tok);
        ((JsonArray)tok["added_tokens"]!).Add(new JsonObject
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
        });
        return tok;
    }

    /// <summary>One token's pieces as (old token, weight) pairs, in order.</summary>
    private static (string, double)[] Pieces(Tokenizer old, int[] ids, double[] weights) =>
        ids.Select((id, k) => (old.IdToToken(id)!, weights[k])).ToArray();

    private static void Same((string Token, double Weight)[] want, (string Token, double Weight)[] got, string what)
    {
        Assert.True(want.Length == got.Length && want.Zip(got).All(p => p.First.Token == p.Second.Token && Math.Abs(p.First.Weight - p.Second.Weight) < 1e-12),
            $"{what}: want [{string.Join(", ", want.Select(p => $"{p.Token}:{p.Weight:0.####}"))}] got [{string.Join(", ", got.Select(p => $"{p.Token}:{p.Weight:0.####}"))}]");
    }

    private static void Side(Tokenizer old, Tokenizer @new, VocabularyAlignment ours, HashSet<int> special, string token,
        (string, double)[]? oursWant, (string, double)[] ruadaptWant)
    {
        int id = @new.TokenToId(token) ?? throw new InvalidOperationException($"fixture lacks {token}");
        TokenAlignment a = ours.Tokens[id];
        if (oursWant is null) Assert.Equal(AlignmentKind.Unmapped, a.Kind);
        else Same(oursWant, Pieces(old, a.OldIds, a.MeanWeights()), $"ours, {token}");
        var row = RuadaptReading.ConversionRow(old, @new, special, id);
        Assert.NotNull(row);
        Same(ruadaptWant, Pieces(old, row.Value.Ids, row.Value.Weights), $"ruadapt, {token}");
    }

    private static string B(int b) => TinyTokenizers.ByteToChar[b].ToString();

    private static (string, double)[] Plain(params string[] tokens) => tokens.Select(t => (t, 1.0 / tokens.Length)).ToArray();

    [Fact]
    public void ByteLevelVocabularyBothReadings()
    {
        // old: the zoo-like byte-level BPE (merges for " the", " world", " привет", " мир", "ер", ...); new: other merges
        // (" слово" gives the token "ĠÑģ" = " с") plus an unnamed added token.
        Tokenizer old = Load(TinyTokenizers.ByteLevel());
        Tokenizer @new = Load(WithAddedToken(AdaptationFixtures.NewByteLevel(), Free));
        var ours = VocabularyAlignment.Build(old, @new);
        var special = new HashSet<int> { @new.TokenToId("<|begin_of_text|>")!.Value, @new.TokenToId("<|end_of_text|>")!.Value };

        // shared token " world": ours copies it; the reference encodes the text "Ġworld" — bytes C4 A0 77 6F 72 6C 64,
        // no old merge applies without a real space — into seven single-byte pieces.
        Side(old, @new, ours, special, "Ġworld", [("Ġworld", 1.0)], Plain(B(0xC4), B(0xA0), "w", "o", "r", "l", "d"));
        // whitespace-led " с" (20 D1 81, new only): ours re-encodes the text to Ġ + the two bytes of с, the space
        // piece weighing 0.1; the reference encodes "ĠÑģ" (C4 A0 C3 91 C4 A3): six byte pieces, none of them с.
        Side(old, @new, ours, special, "ĠÑģ", [("Ġ", 0.1 / 2.1), ("Ñ", 1 / 2.1), (B(0x81), 1 / 2.1)],
            Plain(B(0xC4), B(0xA0), B(0xC3), B(0x91), B(0xC4), B(0xA3)));
        // a lone byte (D1, the first half of с): ours copies the old byte token; the reference encodes the character
        // Ñ (U+00D1 = C3 91), two bytes unrelated to D1.
        Side(old, @new, ours, special, "Ñ", [("Ñ", 1.0)], Plain(B(0xC3), B(0x91)));
        // a special token named in the config maps by content in both readings
        Side(old, @new, ours, special, "<|begin_of_text|>", [("<|begin_of_text|>", 1.0)], [("<|begin_of_text|>", 1.0)]);
        // an unnamed added token: ours leaves it out; the reference encodes its text like a word (10 byte pieces)
        Side(old, @new, ours, special, Free, null, Plain("<", "|", "f", "r", "e", "e", "_", "1", "|", ">"));

        // overlap: ours matches bytes, the reference decoded strings — every partial byte decodes to U+FFFD, so only
        // one of them (the lowest id, 0x80) stands for all, while byte-exact matching shares D1 itself.
        int[] union = RuadaptReading.UnionIds(old, @new);
        int d1 = old.TokenToId("Ñ")!.Value;
        Assert.Contains(ours.Shared, p => p.OldId == d1);
        Assert.DoesNotContain(d1, union);
        Assert.Contains(old.TokenToId(B(0x80))!.Value, union);
        Assert.Contains(old.TokenToId("Ġworld")!.Value, union);
        Assert.Contains(old.TokenToId("<|begin_of_text|>")!.Value, union);
    }

    /// <summary>The zoo-like SentencePiece BPE with new merges for "▁тот" and the unnamed added token.</summary>
    private static JsonObject NewSentencePiece()
    {
        JsonObject tok = TinyTokenizers.SentencePieceBpe();
        var vocab = (JsonObject)tok["model"]!["vocab"]!;
        var merges = (JsonArray)tok["model"]!["merges"]!;
        int next = vocab.Count;
        foreach (var (a, b) in new[] { ("▁", "т"), ("▁т", "о"), ("▁то", "т") })
        {
            merges.Add($"{a} {b}");
            vocab[a + b] = next++;
        }
        return WithAddedToken(tok, Free);
    }

    [Fact]
    public void SentencePieceVocabularyBothReadings()
    {
        Tokenizer old = Load(TinyTokenizers.SentencePieceBpe());
        Tokenizer @new = Load(NewSentencePiece());
        var ours = VocabularyAlignment.Build(old, @new);
        var special = new HashSet<int> { 0, 1, 2 }; // <unk> <s> </s>, named in the config

        // shared "▁the": a literal ▁ reads as a space to a SentencePiece normalizer, so both readings agree here
        Side(old, @new, ours, special, "▁the", [("▁the", 1.0)], [("▁the", 1.0)]);
        // whitespace-led "▁тот" (new only): the same pieces ▁ т о т, but ours weighs the lone ▁ 0.1, the reference
        // averages plainly.
        Side(old, @new, ours, special, "▁тот", [("▁", 0.1 / 3.1), ("т", 1 / 3.1), ("о", 1 / 3.1), ("т", 1 / 3.1)], Plain("▁", "т", "о", "т"));
        // byte fallback <0xD0>: ours copies the old byte token; the reference encodes the six characters "<0xD0>"
        // (only x is a vocabulary character: the rest fall back to their bytes).
        Side(old, @new, ours, special, "<0xD0>", [("<0xD0>", 1.0)], Plain("<0x3C>", "<0x30>", "x", "<0x44>", "<0x30>", "<0x3E>"));
        Side(old, @new, ours, special, "<s>", [("<s>", 1.0)], [("<s>", 1.0)]);
        Side(old, @new, ours, special, Free, null, Plain("<0x3C>", "<0x7C>", "f", "r", "e", "e", "<0x5F>", "<0x31>", "<0x7C>", "<0x3E>"));

        // overlap: the decoder strips the leading space and decodes byte tokens, so "<0x74>", "t" and "▁t" all read
        // "t" and one of them (the lowest id, the byte token) stands for all three; "▁the" reads "the" and is shared.
        int[] union = RuadaptReading.UnionIds(old, @new);
        Assert.Contains(old.TokenToId("<0x74>")!.Value, union);
        Assert.DoesNotContain(old.TokenToId("t")!.Value, union);
        Assert.DoesNotContain(old.TokenToId("▁t")!.Value, union);
        Assert.Contains(old.TokenToId("▁the")!.Value, union);
        Assert.Contains(ours.Shared, p => p.OldId == old.TokenToId("▁t"));
    }

    [Fact]
    public void SpellingPiecesDropTheSentinelsIdsByCount()
    {
        Tokenizer old = Load(TinyTokenizers.SentencePieceBpe());
        // "家" alone is ▁ + its three UTF-8 bytes: four ids dropped
        Assert.Equal(4, old.Encode(RuadaptReading.Sentinel, addSpecialTokens: false).Length);
        Assert.Equal([old.TokenToId("▁world")!.Value], RuadaptReading.SpellingPieces(old, "▁world"));
        Assert.Empty(RuadaptReading.SpellingPieces(old, ""));
    }
}
