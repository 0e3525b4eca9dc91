using System.Text;
using System.Text.Json;

namespace Lep.Tokenization.Vocabulary;

/// <summary>One token of the new vocabulary and where it comes from in the old one.</summary>
/// <param name="Id">new id</param>
/// <param name="Token">the token string as in the vocabulary (byte-level / '▁' form)</param>
/// <param name="Text">the text it stands for (invalid UTF-8 fragments as U+FFFD)</param>
/// <param name="Special">an added special token</param>
/// <param name="OldId">the old id with the same token string (same content for added tokens), or null</param>
/// <param name="OldIds">the old tokenizer's ids for <paramref name="Text"/> (no special tokens added; the old id alone when <paramref name="OldId"/> is set)</param>
public sealed record AlignedToken(int Id, string Token, string Text, bool Special, int? OldId, int[] OldIds);

/// <summary>
/// The old↔new token alignment the init and propagation stages use (alignment.json). For every new id: its token,
/// decoded text, the old id of the same token string when the old vocabulary has it, else the old tokenizer's
/// encoding of the text (a sentinel "\n" is encoded before the text and its ids dropped, so no prefix space sneaks in).
/// </summary>
public sealed class TokenAlignment
{
    public int OldVocabSize { get; init; }
    public int NewVocabSize { get; init; }
    public string Operation { get; init; } = "";
    public IReadOnlyList<AlignedToken> Tokens { get; init; } = [];

    public int SharedCount => Tokens.Count(t => t.OldId != null);

    public static TokenAlignment Build(Tokenizer oldTok, Tokenizer newTok, string operation, Func<int, int?>? knownOldId = null)
    {
        bool newByteLevel = TokenizerFiles.IsByteLevel(newTok);
        bool sameStyle = newByteLevel == TokenizerFiles.IsByteLevel(oldTok);
        var oldVocab = oldTok.GetVocab();
        int n = newTok.VocabSize;
        var result = new AlignedToken[n];
        int[] sentinel = oldTok.Encode("\n", false);
        Parallel.For(0, n, id =>
        {
            string? token = newTok.IdToToken(id);
            if (token == null) { result[id] = new AlignedToken(id, "", "", false, null, []); return; }
            var added = newTok.AddedTokens.ById(id);
            string text = Encoding.UTF8.GetString(TokenizerFiles.SurfaceBytes(newTok, id, newByteLevel));
            int? oldId = knownOldId?.Invoke(id);
            if (oldId == null && (added != null || sameStyle) && oldVocab.TryGetValue(token, out int o)) oldId = o;
            int[] oldIds;
            if (oldId is int k) oldIds = [k];
            else if (text.Length == 0) oldIds = [];
            else
            {
                var withSentinel = oldTok.Encode("\n" + text, false);
                oldIds = withSentinel.AsSpan().StartsWith(sentinel) ? withSentinel[sentinel.Length..] : oldTok.Encode(text, false);
            }
            result[id] = new AlignedToken(id, token, text, added?.Special ?? false, oldId, oldIds);
        });
        return new TokenAlignment { OldVocabSize = oldTok.VocabSize, NewVocabSize = n, Operation = operation, Tokens = result };
    }

    /// <summary>An alignment for a freshly trained tokenizer (no old vocabulary).</summary>
    public static TokenAlignment Identity(Tokenizer tok, string operation)
    {
        bool bl = TokenizerFiles.IsByteLevel(tok);
        var list = new List<AlignedToken>();
        for (int id = 0; id < tok.VocabSize; id++)
        {
            string? token = tok.IdToToken(id);
            list.Add(new AlignedToken(id, token ?? "", token == null ? "" : Encoding.UTF8.GetString(TokenizerFiles.SurfaceBytes(tok, id, bl)),
                tok.AddedTokens.ById(id)?.Special ?? false, null, []));
        }
        return new TokenAlignment { OldVocabSize = 0, NewVocabSize = tok.VocabSize, Operation = operation, Tokens = list };
    }

    public void Save(string path)
    {
        using var fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("operation", Operation);
        w.WriteNumber("old_vocab_size", OldVocabSize);
        w.WriteNumber("new_vocab_size", NewVocabSize);
        w.WriteStartArray("tokens");
        foreach (var t in Tokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", t.Id);
            w.WriteString("token", t.Token);
            w.WriteString("text", t.Text);
            if (t.Special) w.WriteBoolean("special", true);
            if (t.OldId is int o) w.WriteNumber("old_id", o); else w.WriteNull("old_id");
            w.WriteStartArray("old_ids");
            foreach (int x in t.OldIds) w.WriteNumberValue(x);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static TokenAlignment Load(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "alignment file not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var r = doc.RootElement;
            var list = new List<AlignedToken>();
            foreach (var t in r.GetProperty("tokens").EnumerateArray())
            {
                int? oldId = t.TryGetProperty("old_id", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetInt32() : null;
                var ids = t.GetProperty("old_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                bool special = t.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
                list.Add(new AlignedToken(t.GetProperty("id").GetInt32(), t.GetProperty("token").GetString()!, t.GetProperty("text").GetString()!, special, oldId, ids));
            }
            return new TokenAlignment
            {
                Operation = r.TryGetProperty("operation", out var op) ? op.GetString() ?? "" : "",
                OldVocabSize = r.GetProperty("old_vocab_size").GetInt32(), NewVocabSize = r.GetProperty("new_vocab_size").GetInt32(), Tokens = list,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new LepInputException(path, "invalid alignment file: " + e.Message, e);
        }
    }
}
