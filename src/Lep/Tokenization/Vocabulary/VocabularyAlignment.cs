using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lep.Formats;

namespace Lep.Tokenization.Vocabulary;

/// <summary>How a token of the new vocabulary relates to the old one.</summary>
internal enum AlignmentKind
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
internal sealed record TokenAlignment(int NewId, string? Token, string Text, AlignmentKind Kind, int[] OldIds, bool[] Whitespace, bool IsAdded)
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

    /// <summary>The row is the old model's own (same token, or the same special token): nothing new to learn.</summary>
    public bool ReusesOldRow => Kind is AlignmentKind.Copied or AlignmentKind.Special;
}

/// <summary>What an alignment was computed from: the two tokenizer.json files (SHA-256 of their bytes) and the
/// bos/eos/unk/pad roles of their tokenizer_config.json. An alignment.json is reused only for the same inputs.</summary>
internal sealed record AlignmentInputs(string OldTokenizerSha256, string NewTokenizerSha256,
    IReadOnlyDictionary<string, string> OldRoles, IReadOnlyDictionary<string, string> NewRoles)
{
    /// <summary>The inputs of two tokenizer.json files (or dirs holding one), roles read beside each.</summary>
    public static AlignmentInputs Of(string oldTokenizer, string newTokenizer) =>
        new(FileHash.Sha256(TokenizerFiles.JsonPath(oldTokenizer)), FileHash.Sha256(TokenizerFiles.JsonPath(newTokenizer)),
            TokenizerFiles.ReadRoles(oldTokenizer), TokenizerFiles.ReadRoles(newTokenizer));

    /// <summary>SHA-256 of the tokenizer.json that <see cref="Tokenizer.Save"/> writes.</summary>
    public static string Sha256(Tokenizer tokenizer)
    {
        using var stream = new MemoryStream();
        tokenizer.WriteJson(stream);
        return Convert.ToHexStringLower(SHA256.HashData(stream.ToArray()));
    }

    public bool SameAs(AlignmentInputs other) =>
        OldTokenizerSha256 == other.OldTokenizerSha256 && NewTokenizerSha256 == other.NewTokenizerSha256
        && SameRoles(OldRoles, other.OldRoles) && SameRoles(NewRoles, other.NewRoles);

    private static bool SameRoles(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out string? v) && v == kv.Value);
}

/// <summary>
/// THE old ↔ new token alignment (DESIGN §1.2): written as alignment.json by the tokenizer job that makes a vocabulary
/// and read by <c>lep init</c>, <c>lep train --new-rows-only</c>, the propagation modes and the chat vector (computed the
/// same way when a tokenizer comes without one). A new token whose bytes equal an old token's reuses it; an
/// added/special token maps by content, then by role (bos/eos/unk/pad in tokenizer_config.json); any other token is
/// decoded to text and re-encoded with the old tokenizer after a sentinel whose ids are then dropped, so no
/// dummy-prefix space sneaks in; bytes that are not valid UTF-8 (partial byte-level tokens) map by longest match over
/// the old tokens' bytes. (<c>--compat ruadapt</c> reads the vocabularies the reference implementation's way instead:
/// by spelling and decoded strings, in <c>Adaptation.Propagation.RuadaptReading</c>.)
/// </summary>
internal sealed class VocabularyAlignment
{
    public const string FileName = "alignment.json";
    public const double DefaultWhitespaceWeight = 0.1;
    private static readonly string[] Sentinels = ["\n", "\u00a7", "#", "0", "|"];

    /// <summary>The old vocabulary's size: the first id an extension added.</summary>
    public int OldVocabSize { get; }
    /// <summary>Indexed by new id (0 … new vocabulary size − 1).</summary>
    public IReadOnlyList<TokenAlignment> Tokens { get; }
    /// <summary>What it was computed from; null for an alignment of tokenizers that were not read from files.</summary>
    public AlignmentInputs? Inputs { get; }
    /// <summary>The vocabulary step that made the new tokenizer (extend, replace, trim), for readers of the file; empty
    /// when the alignment was computed from two tokenizers.</summary>
    public string Operation { get; }

    private VocabularyAlignment(int oldVocabSize, IReadOnlyList<TokenAlignment> tokens, AlignmentInputs? inputs, string operation)
    {
        OldVocabSize = oldVocabSize;
        Tokens = tokens;
        Inputs = inputs;
        Operation = operation;
    }

    public int Count(AlignmentKind kind) => Tokens.Count(t => t.Kind == kind);

    /// <summary>Pairs (new id, old id) of ordinary (non-added) tokens present in both vocabularies.</summary>
    public IEnumerable<(int NewId, int OldId)> Shared =>
        Tokens.Where(t => t.Kind == AlignmentKind.Copied && !t.IsAdded).Select(t => (t.NewId, t.OldIds[0]));

    /// <summary>Ids whose row is not the old model's own (composed, byte-matched or unmapped tokens): the rows a donor learns.</summary>
    public int[] NewRowIds => Tokens.Where(t => t.Kind != AlignmentKind.Copied).Select(t => t.NewId).ToArray();

    /// <summary>The same alignment recorded as made by <paramref name="operation"/> from <paramref name="inputs"/>.</summary>
    public VocabularyAlignment WithInputs(AlignmentInputs inputs, string operation) => new(OldVocabSize, Tokens, inputs, operation);

    /// <summary>The alignment of the tokenizer at <paramref name="newTokenizer"/> (a tokenizer.json or a dir holding one)
    /// against <paramref name="oldTokenizer"/>'s: the alignment.json beside it when it was made from these same inputs
    /// (tokenizer files and roles), else computed — with the same result.</summary>
    public static VocabularyAlignment Between(Tokenizer old, string oldTokenizer, Tokenizer @new, string newTokenizer)
    {
        AlignmentInputs inputs = AlignmentInputs.Of(oldTokenizer, newTokenizer);
        string file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(TokenizerFiles.JsonPath(newTokenizer)))!, FileName);
        if (File.Exists(file) && Load(file) is { Inputs: { } recorded } saved && recorded.SameAs(inputs)
            && saved.OldVocabSize == old.VocabSize && saved.Tokens.Count == @new.VocabSize)
            return saved;
        return Build(old, @new, inputs.OldRoles, inputs.NewRoles).WithInputs(inputs, "");
    }

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
        return new VocabularyAlignment(old.VocabSize, result, null, "");
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

    /// <summary>One JSON line per new token: id, token, text, how it was mapped, old ids (and their tokens) and weights.</summary>
    public void WriteLog(string path, Tokenizer old, Func<TokenAlignment, (string Method, double[]? Weights)>? describe = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        foreach (TokenAlignment t in Tokens)
        {
            using (var w = new Utf8JsonWriter(stream, LineOptions))
            {
                var (method, weights) = describe?.Invoke(t) ?? (KindName(t.Kind), t.OldIds.Length > 0 ? t.MeanWeights() : null);
                w.WriteStartObject();
                w.WriteNumber("id", t.NewId);
                if (t.Token is null) w.WriteNull("token"); else w.WriteString("token", t.Token);
                w.WriteString("text", t.Text);
                w.WriteString("kind", KindName(t.Kind));
                w.WriteString("method", method);
                WriteInts(w, "old_ids", t.OldIds);
                w.WriteStartArray("old_tokens");
                foreach (int o in t.OldIds) w.WriteStringValue(old.IdToToken(o));
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

    // ---------------------------------------------------------------- alignment.json

    private static readonly JsonWriterOptions LineOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string KindName(AlignmentKind kind) => kind.ToString().ToLowerInvariant();

    private static void WriteInts(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (int x in values) w.WriteNumberValue(x);
        w.WriteEndArray();
    }

    private static void WriteRoles(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> roles)
    {
        w.WriteStartObject(name);
        foreach (var (role, content) in roles.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(role, content);
        w.WriteEndObject();
    }

    /// <summary>Writes alignment.json: the inputs' fingerprints and roles, then one line per new token.</summary>
    public void Save(string path)
    {
        if (Inputs is null) throw new InvalidOperationException("an alignment without recorded inputs cannot be reused, so it is not saved");
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using (var w = new Utf8JsonWriter(stream, LineOptions))
        {
            w.WriteStartObject();
            if (Operation.Length > 0) w.WriteString("operation", Operation);
            w.WriteNumber("old_vocab_size", OldVocabSize);
            w.WriteNumber("new_vocab_size", Tokens.Count);
            w.WriteString("old_tokenizer_sha256", Inputs.OldTokenizerSha256);
            w.WriteString("new_tokenizer_sha256", Inputs.NewTokenizerSha256);
            WriteRoles(w, "old_roles", Inputs.OldRoles);
            WriteRoles(w, "new_roles", Inputs.NewRoles);
            w.WriteStartObject("counts");
            foreach (AlignmentKind kind in Enum.GetValues<AlignmentKind>()) w.WriteNumber(KindName(kind), Count(kind));
            w.WriteEndObject();
            w.WriteStartArray("tokens");
            w.Flush();
            for (int i = 0; i < Tokens.Count; i++)
            {
                TokenAlignment t = Tokens[i];
                stream.Write(i == 0 ? "\n"u8 : ",\n"u8);
                using var line = new Utf8JsonWriter(stream, LineOptions);
                line.WriteStartObject();
                line.WriteNumber("id", t.NewId);
                if (t.Token is null) line.WriteNull("token"); else line.WriteString("token", t.Token);
                line.WriteString("text", t.Text);
                line.WriteString("kind", KindName(t.Kind));
                if (t.IsAdded) line.WriteBoolean("added", true);
                WriteInts(line, "old_ids", t.OldIds);
                if (t.Whitespace.Any(x => x))
                {
                    line.WriteStartArray("whitespace");
                    foreach (bool x in t.Whitespace) line.WriteBooleanValue(x);
                    line.WriteEndArray();
                }
                line.WriteEndObject();
            }
            stream.Write("\n"u8);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    /// <summary>Reads an alignment.json (or the one in a tokenizer or model dir); one written before alignments recorded their inputs comes back with
    /// <see cref="Inputs"/> null (its tokens are not read: it is never reused).</summary>
    public static VocabularyAlignment Load(string dirOrFile)
    {
        string path = Directory.Exists(dirOrFile) ? Path.Combine(dirOrFile, FileName) : dirOrFile;
        if (!File.Exists(path)) throw new LepInputException(path, "alignment file not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement r = doc.RootElement;
            int oldSize = r.GetProperty("old_vocab_size").GetInt32();
            string operation = r.TryGetProperty("operation", out var op) ? op.GetString() ?? "" : "";
            if (!r.TryGetProperty("old_tokenizer_sha256", out var oldSha)) return new VocabularyAlignment(oldSize, [], null, operation);
            var inputs = new AlignmentInputs(oldSha.GetString()!, r.GetProperty("new_tokenizer_sha256").GetString()!,
                ReadRoles(r.GetProperty("old_roles")), ReadRoles(r.GetProperty("new_roles")));
            var tokens = new List<TokenAlignment>();
            foreach (JsonElement t in r.GetProperty("tokens").EnumerateArray())
            {
                int[] oldIds = t.GetProperty("old_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                bool[] whitespace = t.TryGetProperty("whitespace", out var ws)
                    ? ws.EnumerateArray().Select(x => x.GetBoolean()).ToArray() : new bool[oldIds.Length];
                if (whitespace.Length != oldIds.Length) throw new FormatException($"token {tokens.Count}: whitespace and old_ids differ in length");
                if (t.GetProperty("id").GetInt32() != tokens.Count) throw new FormatException($"token {tokens.Count}: ids must run 0, 1, 2, …");
                tokens.Add(new TokenAlignment(tokens.Count, t.GetProperty("token").GetString(), t.GetProperty("text").GetString()!,
                    Enum.Parse<AlignmentKind>(t.GetProperty("kind").GetString()!, ignoreCase: true), oldIds, whitespace,
                    t.TryGetProperty("added", out var added) && added.GetBoolean()));
            }
            return new VocabularyAlignment(oldSize, tokens, inputs, operation);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new LepInputException(path, "invalid alignment file: " + e.Message, e);
        }
    }

    private static Dictionary<string, string> ReadRoles(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
}
