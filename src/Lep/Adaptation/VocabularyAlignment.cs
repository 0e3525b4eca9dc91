using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Tokenization;

namespace Lep.Adaptation;

/// <summary>How a token of the new vocabulary relates to the old one.</summary>
public enum AlignmentKind
{
    /// <summary>Same bytes as an old token: that row is reused.</summary>
    Copied,
    /// <summary>An added/special token matched to an old one by content or by role (bos/eos/unk/pad).</summary>
    Special,
    /// <summary>Text re-encoded with the old tokenizer (sentinel trick): the old pieces.</summary>
    Composed,
    /// <summary>Not valid UTF-8 (a partial byte-level token): longest-match over the old tokens' bytes.</summary>
    Bytes,
    /// <summary>Nothing to map from (unknown characters, a special token without counterpart, an id without a token).</summary>
    Unmapped,
}

/// <summary>One new token's old counterparts. <see cref="Whitespace"/> marks pieces that are pure whitespace.</summary>
public sealed record TokenAlignment(int NewId, string? Token, string Text, AlignmentKind Kind, int[] OldIds, bool[] Whitespace, bool IsAdded)
{
    /// <summary>Weights of the init's mean: uniform, but whitespace-only pieces weigh <paramref name="whitespaceWeight"/>
    /// when a token splits into several pieces; with <paramref name="decay"/> &gt; 0, w_i ∝ exp(−decay·i) (wmean).
    /// Normalised to sum 1.</summary>
    public double[] MeanWeights(double whitespaceWeight = VocabularyAlignment.DefaultWhitespaceWeight, double decay = 0)
    {
        var w = new double[OldIds.Length];
        bool several = OldIds.Length > 1;
        bool allWhitespace = Whitespace.All(x => x);
        for (int i = 0; i < w.Length; i++)
            w[i] = Math.Exp(-decay * i) * (several && Whitespace[i] && !allWhitespace ? whitespaceWeight : 1.0);
        double sum = w.Sum();
        for (int i = 0; i < w.Length; i++) w[i] /= sum;
        return w;
    }
}

/// <summary>
/// The old ↔ new token mapping shared by <c>lep init</c> and the conversion/sum propagation modes (DESIGN §1.2):
/// a new token whose bytes equal an old token's reuses it; an added/special token maps by content, then by role
/// (bos/eos/unk/pad in tokenizer_config.json); any other token is decoded to text and re-encoded with the old
/// tokenizer after a sentinel whose ids are then dropped, so no dummy-prefix space sneaks in; bytes that are not
/// valid UTF-8 (partial byte-level tokens) map by longest match over the old tokens' bytes.
/// </summary>
public sealed class VocabularyAlignment
{
    public const double DefaultWhitespaceWeight = 0.1;
    private static readonly string[] Sentinels = ["\n", "\u00a7", "#", "0", "|"];

    public Tokenizer Old { get; }
    public Tokenizer New { get; }
    /// <summary>Indexed by new id (0 … New.VocabSize − 1).</summary>
    public IReadOnlyList<TokenAlignment> Tokens { get; }

    private VocabularyAlignment(Tokenizer old, Tokenizer @new, IReadOnlyList<TokenAlignment> tokens)
    {
        Old = old;
        New = @new;
        Tokens = tokens;
    }

    public int Count(AlignmentKind kind) => Tokens.Count(t => t.Kind == kind);

    /// <summary>Pairs (new id, old id) of ordinary (non-added) tokens present in both vocabularies.</summary>
    public IEnumerable<(int NewId, int OldId)> Shared =>
        Tokens.Where(t => t.Kind == AlignmentKind.Copied && !t.IsAdded).Select(t => (t.NewId, t.OldIds[0]));

    public static VocabularyAlignment Build(Tokenizer old, Tokenizer @new,
        IReadOnlyDictionary<string, string>? oldRoles = null, IReadOnlyDictionary<string, string>? newRoles = null)
    {
        var oldText = new TokenText(old);
        var newText = new TokenText(@new);

        // Old model tokens by bytes (lowest id wins; byte-fallback tokens only where no real token has the bytes).
        var byBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        var fallbackBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        int maxOldLen = 1;
        foreach (var (token, id) in old.Model.GetVocab().OrderBy(kv => kv.Value))
        {
            if (old.AddedTokens.ById(id) is not null || oldText.IsUnknown(id)) continue;
            byte[] b = oldText.BytesOfModelToken(token);
            if (b.Length == 0) continue;
            var target = oldText.HasByteFallback && TokenText.ParseByteToken(token) is not null ? fallbackBytes : byBytes;
            target.TryAdd(TokenText.Key(b), id);
            maxOldLen = Math.Max(maxOldLen, b.Length);
        }
        foreach (var (k, id) in fallbackBytes) byBytes.TryAdd(k, id);

        var roleMap = new Dictionary<string, string>(StringComparer.Ordinal);
        if (oldRoles is not null && newRoles is not null)
            foreach (var (role, content) in newRoles)
                if (oldRoles.TryGetValue(role, out string? oldContent)) roleMap.TryAdd(content, oldContent);

        var composer = new Composer(old, oldText);
        int size = @new.VocabSize;
        var result = new TokenAlignment[size];
        for (int id = 0; id < size; id++)
        {
            AddedToken? added = @new.AddedTokens.ById(id);
            string? token = @new.IdToToken(id);
            if (token is null)
            {
                result[id] = new TokenAlignment(id, null, "", AlignmentKind.Unmapped, [], [], false);
                continue;
            }
            if (added is not null)
            {
                int? oldId = old.AddedTokens.TokenToId(added.Content) ?? old.TokenToId(added.Content);
                if (oldId is null && roleMap.TryGetValue(added.Content, out string? byRole)) oldId = old.TokenToId(byRole);
                result[id] = oldId is int o
                    ? new TokenAlignment(id, token, added.Content, AlignmentKind.Special, [o], [false], true)
                    : new TokenAlignment(id, token, added.Content, AlignmentKind.Unmapped, [], [], true);
                continue;
            }
            byte[] bytes = newText.BytesOfModelToken(token);
            string printable = TokenText.Printable(bytes);
            if (bytes.Length == 0)
            {
                result[id] = new TokenAlignment(id, token, printable, AlignmentKind.Unmapped, [], [], false);
                continue;
            }
            // Same bytes: the same spelling is preferred (e.g. "A" over "<0x41>"), otherwise the byte-keyed match.
            int? same = old.Model.TokenToId(token) is int s && old.AddedTokens.ById(s) is null
                && oldText.BytesOfModelToken(token).AsSpan().SequenceEqual(bytes) ? s : null;
            if (same is null && byBytes.TryGetValue(TokenText.Key(bytes), out int byKey)) same = byKey;
            if (same is int copy)
            {
                result[id] = new TokenAlignment(id, token, printable, AlignmentKind.Copied, [copy], [IsWhitespace(bytes)], false);
                continue;
            }
            if (TokenText.TryUtf8(bytes, out string? text))
            {
                int[] ids = composer.Encode(text!);
                if (ids.Length > 0)
                {
                    result[id] = new TokenAlignment(id, token, printable, AlignmentKind.Composed, ids,
                        ids.Select(i => IsWhitespace(oldText.Bytes(i) ?? [])).ToArray(), false);
                    continue;
                }
            }
            int[]? pieces = LongestMatch(bytes, byBytes, maxOldLen);
            result[id] = pieces is null
                ? new TokenAlignment(id, token, printable, AlignmentKind.Unmapped, [], [], false)
                : new TokenAlignment(id, token, printable, AlignmentKind.Bytes, pieces,
                    pieces.Select(i => IsWhitespace(oldText.Bytes(i) ?? [])).ToArray(), false);
        }
        return new VocabularyAlignment(old, @new, result);
    }

    private static bool IsWhitespace(byte[] bytes)
    {
        if (bytes.Length == 0) return false;
        if (!TokenText.TryUtf8(bytes, out string? s)) return false;
        return s!.All(char.IsWhiteSpace);
    }

    private static int[]? LongestMatch(byte[] bytes, Dictionary<string, int> byBytes, int maxLen)
    {
        var ids = new List<int>();
        for (int i = 0; i < bytes.Length;)
        {
            int found = -1, len = 0;
            for (int l = Math.Min(maxLen, bytes.Length - i); l >= 1; l--)
            {
                if (byBytes.TryGetValue(TokenText.Key(bytes[i..(i + l)]), out int id)) { found = id; len = l; break; }
            }
            if (found < 0) return null;
            ids.Add(found);
            i += len;
        }
        return ids.ToArray();
    }

    /// <summary>Re-encodes text with the old tokenizer after a sentinel, dropping the sentinel's ids.</summary>
    private sealed class Composer(Tokenizer old, TokenText oldText)
    {
        private readonly Dictionary<string, int[]> _sentinelIds = Sentinels.ToDictionary(s => s, s => old.Encode(s, addSpecialTokens: false));

        public int[] Encode(string text)
        {
            foreach (string sentinel in Sentinels)
            {
                if (text.StartsWith(sentinel, StringComparison.Ordinal)) continue;
                int[] prefix = _sentinelIds[sentinel];
                if (prefix.Length == 0) continue;
                int[] all = old.Encode(sentinel + text, addSpecialTokens: false);
                if (all.Length <= prefix.Length || !all.AsSpan(0, prefix.Length).SequenceEqual(prefix)) continue;
                int[] rest = all[prefix.Length..];
                // The pieces must spell exactly the text (no merge across the sentinel, no dropped prefix space).
                byte[] spelled = rest.SelectMany(i => oldText.Bytes(i) ?? []).ToArray();
                if (!spelled.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(text))) continue;
                return rest.Where(i => !oldText.IsUnknown(i)).ToArray();
            }
            return old.Encode(text, addSpecialTokens: false).Where(i => !oldText.IsUnknown(i)).ToArray();
        }
    }

    /// <summary>bos/eos/unk/pad token contents named in a model or tokenizer dir's tokenizer_config.json (when present).</summary>
    public static Dictionary<string, string> ReadRoles(string dirOrTokenizerJson)
    {
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        string dir = Directory.Exists(dirOrTokenizerJson) ? dirOrTokenizerJson : Path.GetDirectoryName(Path.GetFullPath(dirOrTokenizerJson))!;
        string path = Path.Combine(dir, "tokenizer_config.json");
        if (!File.Exists(path)) return roles;
        JsonObject cfg = JsonFile.ReadObject(path);
        foreach (string role in new[] { "bos_token", "eos_token", "unk_token", "pad_token" })
        {
            string? content = cfg[role] switch
            {
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonObject o => o.GetString("content"),
                _ => null,
            };
            if (!string.IsNullOrEmpty(content)) roles[role] = content;
        }
        return roles;
    }

    /// <summary>One JSON line per new token: id, token, text, how it was mapped, old ids (and their tokens) and weights.</summary>
    public void WriteLog(string path, Func<TokenAlignment, (string Method, double[]? Weights)>? describe = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var options = new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (TokenAlignment t in Tokens)
        {
            using (var w = new Utf8JsonWriter(stream, options))
            {
                var (method, weights) = describe?.Invoke(t) ?? (t.Kind.ToString().ToLowerInvariant(), t.OldIds.Length > 0 ? t.MeanWeights() : null);
                w.WriteStartObject();
                w.WriteNumber("id", t.NewId);
                if (t.Token is null) w.WriteNull("token"); else w.WriteString("token", t.Token);
                w.WriteString("text", t.Text);
                w.WriteString("kind", t.Kind.ToString().ToLowerInvariant());
                w.WriteString("method", method);
                w.WriteStartArray("old_ids");
                foreach (int o in t.OldIds) w.WriteNumberValue(o);
                w.WriteEndArray();
                w.WriteStartArray("old_tokens");
                foreach (int o in t.OldIds) w.WriteStringValue(Old.IdToToken(o));
                w.WriteEndArray();
                if (weights is not null)
                {
                    w.WriteStartArray("weights");
                    foreach (double x in weights) w.WriteNumberValue(Math.Round(x, 6));
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }
}
