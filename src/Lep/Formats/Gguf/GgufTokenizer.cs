using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lep.Formats.Checkpoint;

namespace Lep.Formats.Gguf;

/// <summary>llama.cpp token types (<c>tokenizer.ggml.token_type</c>).</summary>
internal enum GgufTokenType
{
    Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
}

/// <summary>
/// The tokenizer of an HF dir (tokenizer.json + tokenizer_config.json, config.json for fallback special ids) turned into
/// llama.cpp's <c>tokenizer.*</c> metadata. Byte-level BPE becomes <c>gpt2</c> (tokens, types, merges and a
/// <c>tokenizer.ggml.pre</c> name chosen from the split regex); SentencePiece-style vocabularies (Metaspace <c>▁</c>
/// BPE with <c>&lt;0xNN&gt;</c> byte fallback, or Unigram) become <c>llama</c> (tokens, scores, types).
/// </summary>
internal sealed class GgufTokenizer
{
    public const string TokenizerFile = "tokenizer.json";
    public const string TokenizerConfigFile = "tokenizer_config.json";

    /// <summary>The Llama-3 / tiktoken cl100k-style split regex → llama.cpp pre-tokenizer <c>llama-bpe</c>.</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    /// <summary>Qwen2's split regex (single digits) → <c>qwen2</c>.</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    /// <summary>GPT-2's split regex (what ByteLevel(use_regex=true) applies) → <c>gpt-2</c>.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary><c>gpt2</c>, <c>llama</c> (SentencePiece BPE: greedy merges by score) or <c>t5</c> (llama.cpp's UGM: Viterbi
    /// over Unigram scores).</summary>
    public string Model { get; private init; } = "";
    /// <summary>For <c>gpt2</c>: the llama.cpp pre-tokenizer name.</summary>
    public string? Pre { get; private init; }
    /// <summary>True when <see cref="Pre"/> is a fallback because the split regex matched no known llama.cpp pre-tokenizer.</summary>
    public bool PreIsFallback { get; private init; }
    public string[] Tokens { get; private init; } = [];
    public int[] TokenTypes { get; private init; } = [];
    public float[]? Scores { get; private init; }
    public string[]? Merges { get; private init; }
    public int? BosId { get; private init; }
    public int? EosId { get; private init; }
    public int? UnkId { get; private init; }
    public int? PadId { get; private init; }
    public bool AddBos { get; private init; }
    public bool AddEos { get; private init; }
    public bool? AddSpacePrefix { get; private init; }
    public string? ChatTemplate { get; private init; }

    /// <summary>Reads the tokenizer of <paramref name="hfDir"/>; <paramref name="rows"/> is the embedding row count the
    /// vocabulary must fit (shorter vocabularies are padded with unused <c>[PAD{id}]</c> tokens, as convert_hf_to_gguf does).</summary>
    public static GgufTokenizer Load(string hfDir, int rows, JsonObject? config = null, string? preOverride = null, bool unigramAsUgm = true)
    {
        string path = Path.Combine(hfDir, TokenizerFile);
        if (!File.Exists(path)) throw new LepInputException(path, "file not found (the GGUF export needs the HF tokenizer.json)");
        JsonObject tok = JsonFile.ReadObject(path);
        string configPath = Path.Combine(hfDir, TokenizerConfigFile);
        JsonObject tcfg = File.Exists(configPath) ? JsonFile.ReadObject(configPath) : new JsonObject();
        config ??= File.Exists(Path.Combine(hfDir, "config.json")) ? JsonFile.ReadObject(Path.Combine(hfDir, "config.json")) : new JsonObject();

        if (tok["model"] is not JsonObject model) throw new LepInputException(path, "missing 'model' object");
        string type = model.GetString("type") ?? (model["merges"] is not null ? "BPE" : model["vocab"] is JsonArray ? "Unigram" : "");

        // Vocabulary: model vocab + added tokens, by id.
        var byId = new Dictionary<int, string>();
        var scores = new Dictionary<int, float>();
        void Put(int id, string text, string what)
        {
            if (id < 0) throw new LepInputException(path, $"{what} '{text}' has negative id {id}");
            if (byId.TryGetValue(id, out string? old) && old != text)
                throw new LepInputException(path, $"id {id} is both '{old}' and '{text}'");
            byId[id] = text;
        }
        if (type == "BPE")
        {
            if (model["vocab"] is not JsonObject vocab) throw new LepInputException(path, "BPE model has no 'vocab' object");
            foreach (var (text, idNode) in vocab)
                Put(idNode is JsonValue v && v.TryGetValue(out int id) ? id : throw new LepInputException(path, $"vocab entry '{text}' has no integer id"), text, "vocab entry");
        }
        else if (type == "Unigram")
        {
            if (model["vocab"] is not JsonArray vocab) throw new LepInputException(path, "Unigram model has no 'vocab' array");
            for (int i = 0; i < vocab.Count; i++)
            {
                if (vocab[i] is not JsonArray pair || pair.Count != 2 || pair[0] is not JsonValue t || !t.TryGetValue(out string? text))
                    throw new LepInputException(path, $"Unigram vocab entry {i} is not [piece, score]");
                Put(i, text!, "vocab entry");
                scores[i] = (float)pair[1]!.GetValue<double>();
            }
        }
        else throw new LepInputException(path, $"unsupported tokenizer model type '{type}' (supported: BPE, Unigram)");

        var added = new Dictionary<int, bool>(); // id → special
        if (tok["added_tokens"] is JsonArray addedTokens)
        {
            foreach (JsonNode? n in addedTokens)
            {
                if (n is not JsonObject a || a.GetInt("id") is not int id || a.GetString("content") is not string content)
                    throw new LepInputException(path, "added_tokens entry without integer 'id' and string 'content'");
                Put(id, content, "added token");
                added[id] = a.GetBool("special") ?? false;
            }
        }

        int count = byId.Count == 0 ? 0 : byId.Keys.Max() + 1;
        if (count > rows)
            throw new LepInputException(path, $"tokenizer has {count} tokens (highest id {count - 1}) but the model's embedding has only {rows} rows");
        var tokens = new string[rows];
        var types = new int[rows];
        var textToId = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < rows; i++)
        {
            if (byId.TryGetValue(i, out string? text))
            {
                tokens[i] = text;
                types[i] = (int)GgufTokenType.Normal;
                textToId.TryAdd(text, i);
            }
            else
            {
                tokens[i] = $"[PAD{i}]";
                types[i] = (int)GgufTokenType.Unused;
            }
        }

        bool byteLevel = Mentions(tok["pre_tokenizer"], "ByteLevel") || Mentions(tok["decoder"], "ByteLevel");
        bool spm = type == "Unigram" || (model.GetBool("byte_fallback") ?? false) || Mentions(tok["pre_tokenizer"], "Metaspace")
            || Mentions(tok["decoder"], "Metaspace") || (tok["normalizer"]?.ToJsonString().Contains('▁') ?? false);
        if (byteLevel && type == "BPE") spm = false;
        else if (!spm) throw new LepInputException(path, "tokenizer is neither byte-level BPE (ByteLevel pre-tokenizer) nor SentencePiece-style (Metaspace/▁, byte fallback, " +
            "Unigram)");

        // Special ids.
        int? Lookup(string key, string? fallbackConfigKey)
        {
            string? text = tcfg[key] switch
            {
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonObject o => o.GetString("content"),
                _ => null,
            };
            if (text is not null)
                return textToId.TryGetValue(text, out int id) ? id : throw new LepInputException(configPath, $"{key} '{text}' is not in the vocabulary");
            if (fallbackConfigKey is not null && config.GetIntOrList(fallbackConfigKey) is { Length: > 0 } ids)
                return ids[0] < rows ? ids[0] : throw new LepInputException("config.json", $"{fallbackConfigKey} {ids[0]} is outside the vocabulary ({rows} tokens)");
            return null;
        }
        int? bos = Lookup("bos_token", "bos_token_id");
        int? eos = Lookup("eos_token", "eos_token_id");
        int? pad = Lookup("pad_token", "pad_token_id");
        int? unk = Lookup("unk_token", null);
        if (unk is null && model["unk_token"] is JsonValue uv && uv.TryGetValue(out string? unkText) && unkText is not null
            && textToId.TryGetValue(unkText, out int uid)) unk = uid;
        if (unk is null && model.GetInt("unk_id") is int unkId && unkId < rows) unk = unkId;

        // Types.
        foreach (var (id, special) in added) types[id] = (int)(special ? GgufTokenType.Control : GgufTokenType.UserDefined);
        if (spm)
        {
            var byteToken = new Regex("^<0x[0-9A-Fa-f]{2}>$");
            for (int i = 0; i < rows; i++)
                if (types[i] == (int)GgufTokenType.Normal && byteToken.IsMatch(tokens[i])) types[i] = (int)GgufTokenType.Byte;
            if (unk is int u) types[u] = (int)GgufTokenType.Unknown;
        }

        // Post-processor: does encode add bos/eos?
        var (templateBos, templateEos) = TemplateSpecials(tok["post_processor"]);
        bool addBos = tcfg.GetBool("add_bos_token") ?? (templateBos is not null && bos is int b1 && tokens[b1] == templateBos);
        bool addEos = tcfg.GetBool("add_eos_token") ?? (templateEos is not null && eos is int e1 && tokens[e1] == templateEos);

        string? chatTemplate = tcfg["chat_template"] switch
        {
            JsonValue v when v.TryGetValue(out string? s) => s,
            JsonArray list => list.OfType<JsonObject>().FirstOrDefault(o => o.GetString("name") == "default")?.GetString("template"),
            _ => null,
        };

        if (!spm)
        {
            var merges = ReadMerges(model, path);
            var (pre, fallback) = preOverride is not null ? (preOverride, false) : ChoosePre(tok["pre_tokenizer"]);
            return new GgufTokenizer
            {
                Model = "gpt2", Pre = pre, PreIsFallback = fallback, Tokens = tokens, TokenTypes = types, Merges = merges,
                BosId = bos, EosId = eos, UnkId = unk, PadId = pad, AddBos = addBos, AddEos = addEos, ChatTemplate = chatTemplate,
            };
        }

        // SentencePiece style: llama.cpp's SPM tokenizer repeatedly merges the adjacent pair whose concatenation is the
        // highest-scoring token. For BPE, score = −(rank of the first merge producing the token) reproduces HF's merge order.
        var tokenScores = new float[rows];
        if (type == "Unigram")
        {
            for (int i = 0; i < rows; i++) tokenScores[i] = scores.TryGetValue(i, out float s) ? s : 0f;
        }
        else
        {
            var merges = ReadMerges(model, path);
            Array.Fill(tokenScores, -1e6f); // tokens no merge produces: only when nothing better is possible
            for (int i = 0; i < rows; i++)
                if (types[i] != (int)GgufTokenType.Normal || new System.Globalization.StringInfo(tokens[i]).LengthInTextElements <= 1) tokenScores[i] = 0f;
            var ranked = new HashSet<int>();
            for (int r = 0; r < merges.Length; r++)
            {
                int space = merges[r].IndexOf(' ');
                string merged = merges[r][..space] + merges[r][(space + 1)..];
                if (textToId.TryGetValue(merged, out int id) && ranked.Add(id)) tokenScores[id] = -r;
            }
        }
        return new GgufTokenizer
        {
            Model = type == "Unigram" && unigramAsUgm ? "t5" : "llama", Tokens = tokens, TokenTypes = types, Scores = tokenScores,
            BosId = bos, EosId = eos, UnkId = unk, PadId = pad, AddBos = addBos,
            AddEos = addEos, AddSpacePrefix = SpacePrefix(tok), ChatTemplate = chatTemplate,
        };
    }

    /// <summary>Writes the tokenizer metadata.</summary>
    public void WriteTo(GgufWriter w)
    {
        w.Set("tokenizer.ggml.model", Model);
        if (Pre is not null) w.Set("tokenizer.ggml.pre", Pre);
        w.Set("tokenizer.ggml.tokens", GgufValue.Strings(Tokens));
        if (Scores is not null) w.Set("tokenizer.ggml.scores", GgufValue.Float32s(Scores));
        w.Set("tokenizer.ggml.token_type", GgufValue.Int32s(TokenTypes));
        if (Merges is not null) w.Set("tokenizer.ggml.merges", GgufValue.Strings(Merges));
        if (BosId is int bos) w.Set("tokenizer.ggml.bos_token_id", (uint)bos);
        if (EosId is int eos) w.Set("tokenizer.ggml.eos_token_id", (uint)eos);
        if (UnkId is int unk) w.Set("tokenizer.ggml.unknown_token_id", (uint)unk);
        if (PadId is int pad) w.Set("tokenizer.ggml.padding_token_id", (uint)pad);
        w.Set("tokenizer.ggml.add_bos_token", AddBos);
        w.Set("tokenizer.ggml.add_eos_token", AddEos);
        if (AddSpacePrefix is bool asp) w.Set("tokenizer.ggml.add_space_prefix", asp);
        if (ChatTemplate is not null) w.Set("tokenizer.chat_template", ChatTemplate);
    }

    private static string[] ReadMerges(JsonObject model, string path)
    {
        if (model["merges"] is not JsonArray merges) return [];
        var result = new string[merges.Count];
        for (int i = 0; i < merges.Count; i++)
        {
            result[i] = merges[i] switch
            {
                JsonValue v when v.TryGetValue(out string? s) && s!.Contains(' ') => s,
                JsonArray { Count: 2 } a when a[0] is JsonValue x && a[1] is JsonValue y && x.TryGetValue(out string? l) && y.TryGetValue(out string? r)
                    => l!.Contains(' ') || r!.Contains(' ')
                        ? throw new LepInputException(path, $"merge {i} ['{l}', '{r}'] contains a space, which GGUF's \"left right\" merge format cannot express")
                        : $"{l} {r}",
                _ => throw new LepInputException(path, $"merge {i} is neither \"left right\" nor [left, right]"),
            };
        }
        return result;
    }

    /// <summary>Chooses llama.cpp's pre-tokenizer name from the tokenizer.json split regex.</summary>
    public static (string Pre, bool Fallback) ChoosePre(JsonNode? preTokenizer)
    {
        var patterns = new List<string>();
        bool byteLevelRegex = false;
        void Walk(JsonNode? n)
        {
            if (n is not JsonObject o) return;
            switch (o.GetString("type"))
            {
                case "Sequence":
                    if (o["pretokenizers"] is JsonArray list) foreach (JsonNode? c in list) Walk(c);
                    break;
                case "Split":
                    if (o["pattern"] is JsonObject p && (p.GetString("Regex") ?? p.GetString("String")) is string re) patterns.Add(re);
                    break;
                case "ByteLevel":
                    if (o.GetBool("use_regex") ?? true) byteLevelRegex = true;
                    break;
            }
        }
        Walk(preTokenizer);
        if (patterns.Count == 0 && byteLevelRegex) return ("gpt-2", false);
        if (patterns.Count == 1 && !byteLevelRegex)
        {
            string p = patterns[0];
            if (p == Llama3Pattern) return ("llama-bpe", false);
            if (p == Qwen2Pattern) return ("qwen2", false);
            if (p == Gpt2Pattern || p == Gpt2Pattern[..^4]) return ("gpt-2", false);
        }
        return ("gpt-2", true);
    }

    private static (string? Bos, string? Eos) TemplateSpecials(JsonNode? post)
    {
        if (post is not JsonObject o) return (null, null);
        if (o.GetString("type") == "Sequence" && o["processors"] is JsonArray list)
        {
            foreach (JsonNode? p in list)
            {
                var r = TemplateSpecials(p);
                if (r != (null, null)) return r;
            }
            return (null, null);
        }
        if (o.GetString("type") != "TemplateProcessing" || o["single"] is not JsonArray single || single.Count == 0) return (null, null);
        static string? SpecialId(JsonNode? n) => (n as JsonObject)?["SpecialToken"] is JsonObject s ? s.GetString("id") : null;
        return (SpecialId(single[0]), SpecialId(single[^1]));
    }

    private static bool? SpacePrefix(JsonObject tok)
    {
        bool? result = null;
        void Walk(JsonNode? n)
        {
            if (n is not JsonObject o) return;
            switch (o.GetString("type"))
            {
                case "Sequence":
                    foreach (JsonNode? c in (o["normalizers"] ?? o["pretokenizers"]) as JsonArray ?? []) Walk(c);
                    break;
                case "Prepend":
                    if (o.GetString("prepend") == "▁") result = true;
                    break;
                case "Metaspace":
                    string? scheme = o.GetString("prepend_scheme");
                    result = scheme is not null ? scheme != "never" : o.GetBool("add_prefix_space") ?? true;
                    break;
            }
        }
        Walk(tok["normalizer"]);
        Walk(tok["pre_tokenizer"]);
        return result ?? false;
    }

    private static bool Mentions(JsonNode? node, string type) =>
        node is not null && node.ToJsonString().Contains($"\"type\":\"{type}\"", StringComparison.Ordinal);
}
