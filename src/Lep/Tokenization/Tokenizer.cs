using System.Text;
using System.Text.Json;
using Lep.Tokenization.Decoders;
using Lep.Tokenization.Models;
using Lep.Tokenization.Normalizers;
using Lep.Tokenization.PostProcessors;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tokenization;

/// <summary>
/// An HF tokenizer.json pipeline: added tokens → normalizer → pre-tokenizer → model → post-processor, and the
/// decoder for the way back. Encodes to the same ids as HF tokenizers (0.22) and saves a tokenizer.json it loads.
/// </summary>
public sealed class Tokenizer
{
    internal INormalizer? Normalizer { get; }
    internal IPreTokenizer? PreTokenizer { get; }
    internal IModel Model { get; }
    internal IPostProcessor? PostProcessor { get; }
    internal IDecoder? Decoder { get; }
    internal AddedVocabulary AddedTokens { get; }

    private readonly string? _truncationJson;
    private readonly string? _paddingJson;

    /// <summary>Builds a tokenizer; <paramref name="addedTokens"/> get ids the way HF assigns them on load
    /// (the model's id when the content is in the model vocabulary, otherwise the next id after the model).</summary>
    internal Tokenizer(IModel model, INormalizer? normalizer = null, IPreTokenizer? preTokenizer = null,
        IPostProcessor? postProcessor = null, IDecoder? decoder = null, IEnumerable<AddedToken>? addedTokens = null)
        : this(model, normalizer, preTokenizer, postProcessor, decoder, addedTokens, null, null)
    {
    }

    private Tokenizer(IModel model, INormalizer? normalizer, IPreTokenizer? preTokenizer, IPostProcessor? postProcessor,
        IDecoder? decoder, IEnumerable<AddedToken>? addedTokens, string? truncation, string? padding)
    {
        Model = model;
        Normalizer = normalizer;
        PreTokenizer = preTokenizer;
        PostProcessor = postProcessor;
        Decoder = decoder;
        AddedTokens = new AddedVocabulary();
        if (addedTokens != null) AddedTokens.Add(addedTokens, model, normalizer);
        _truncationJson = truncation;
        _paddingJson = padding;
    }

    /// <summary>Highest id (model or added token) + 1: the size an embedding matrix needs.</summary>
    public int VocabSize
    {
        get
        {
            if (_vocabSize < 0)
            {
                int max = AddedTokens.MaxId;
                foreach (var v in Model.GetVocab().Values) if (v > max) max = v;
                _vocabSize = max + 1;
            }
            return _vocabSize;
        }
    }

    private int _vocabSize = -1;

    /// <summary>The id of a token (added tokens first), or null when the vocabulary lacks it.</summary>
    public int? TokenToId(string token) => AddedTokens.TokenToId(token) ?? Model.TokenToId(token);
    /// <summary>The token with this id, or null when no token has it.</summary>
    public string? IdToToken(int id) => AddedTokens.ById(id)?.Content ?? Model.IdToToken(id);

    /// <summary>Token → id over the model vocabulary and the added tokens.</summary>
    public IReadOnlyDictionary<string, int> GetVocab()
    {
        var d = new Dictionary<string, int>(Model.GetVocab(), StringComparer.Ordinal);
        foreach (var (id, t) in AddedTokens.Tokens) d[t.Content] = id;
        return d;
    }

    // ---------------------------------------------------------------- encode / decode

    /// <summary>The ids of <paramref name="text"/>, as HF tokenizers encodes it; <paramref name="addSpecialTokens"/> applies the
    /// post-processor (e.g. a leading BOS).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int[] Encode(string text, bool addSpecialTokens)
    {
        text = UnicodeProps.Sanitize(text);
        var splits = AddedTokens.ExtractAndNormalize(Normalizer, text);
        if (PreTokenizer != null) splits = PreTokenizer.Apply(splits);
        var ids = new List<int>(text.Length / 3 + 4);
        foreach (var s in splits)
        {
            if (s.IsToken) ids.Add(s.Id);
            else Model.Tokenize(s.Text, ids);
        }
        if (PostProcessor != null) ids = PostProcessor.Process(ids, addSpecialTokens);
        return ids.ToArray();
    }

    /// <summary>The pieces the model sees (after added-token extraction, normalization, pre-tokenization).</summary>
    internal IReadOnlyList<Split> PreTokenize(string text)
    {
        var splits = AddedTokens.ExtractAndNormalize(Normalizer, UnicodeProps.Sanitize(text));
        return PreTokenizer != null ? PreTokenizer.Apply(splits) : splits;
    }

    /// <summary>The text of <paramref name="ids"/>, through the decoder; <paramref name="skipSpecialTokens"/> leaves
    /// special tokens out.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            var t = IdToToken(id);
            if (t == null) continue;
            if (skipSpecialTokens && AddedTokens.IsSpecial(t)) continue;
            tokens.Add(t);
        }
        if (Decoder == null) return string.Join(" ", tokens);
        return string.Concat(Decoder.DecodeChain(tokens));
    }

    // ---------------------------------------------------------------- load / save

    /// <summary>Loads a tokenizer.json file, or the tokenizer.json inside a directory.</summary>
    public static Tokenizer Load(string pathToTokenizerJsonOrDir)
    {
        string path = pathToTokenizerJsonOrDir;
        if (Directory.Exists(path)) path = System.IO.Path.Combine(path, "tokenizer.json");
        if (!File.Exists(path)) throw new LepInputException(path, "tokenizer file not found");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new LepInputException(path, "cannot read: " + e.Message, e);
        }
        return FromJson(bytes, path);
    }

    /// <summary>Parses tokenizer.json content; <paramref name="path"/> names the source in errors.</summary>
    public static Tokenizer FromJson(ReadOnlySpan<byte> utf8Json, string path = "<tokenizer.json>")
    {
        var prev = Json.CurrentPath;
        Json.CurrentPath = path;
        try
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
            }
            catch (JsonException e)
            {
                throw new LepInputException(path, "invalid JSON: " + e.Message, e);
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw Json.Bad("top level must be a JSON object");
                if (!root.TryGetProperty("model", out var modelEl)) throw Json.Bad("missing \"model\"");
                var model = ModelJson.Read(modelEl);
                var normalizer = root.TryGetProperty("normalizer", out var n) ? NormalizerJson.Read(n) : null;
                var pre = root.TryGetProperty("pre_tokenizer", out var p) ? PreTokenizerJson.Read(p) : null;
                var post = root.TryGetProperty("post_processor", out var pp) ? PostProcessorJson.Read(pp) : null;
                var dec = root.TryGetProperty("decoder", out var d) ? DecoderJson.Read(d) : null;
                var added = new List<AddedToken>();
                if (root.TryGetProperty("added_tokens", out var at) && at.ValueKind != JsonValueKind.Null)
                {
                    if (at.ValueKind != JsonValueKind.Array) throw Json.Bad("\"added_tokens\" must be an array");
                    foreach (var t in at.EnumerateArray())
                    {
                        var content = Json.ReqStr(t, "content", "added token");
                        bool special = Json.Bool(t, "special", false);
                        bool? normalized = Json.Has(t, "normalized", out var nv) ? nv.ValueKind == JsonValueKind.True : null;
                        added.Add(new AddedToken(content, special, Json.Bool(t, "single_word", false), Json.Bool(t, "lstrip", false),
                            Json.Bool(t, "rstrip", false), normalized ?? true));
                    }
                }
                string? trunc = Json.Has(root, "truncation", out var tr) ? tr.GetRawText() : null;
                string? pad = Json.Has(root, "padding", out var pa) ? pa.GetRawText() : null;
                return new Tokenizer(model, normalizer, pre, post, dec, added, trunc, pad);
            }
        }
        finally
        {
            Json.CurrentPath = prev;
        }
    }

    /// <summary>Writes a tokenizer.json (pretty-printed, UTF-8) that HF tokenizers loads.</summary>
    public void Save(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var fs = File.Create(tmp))
            WriteJson(fs);
        File.Move(tmp, path, true);
    }

    /// <summary>The tokenizer.json text <see cref="Save"/> writes.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        WriteJson(ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes the tokenizer.json content to <paramref name="stream"/> as UTF-8.</summary>
    public void WriteJson(Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, Json.WriterOptions);
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        WriteRaw(w, "truncation", _truncationJson);
        WriteRaw(w, "padding", _paddingJson);
        w.WriteStartArray("added_tokens");
        foreach (var (id, t) in AddedTokens.Tokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", t.Content);
            w.WriteBoolean("single_word", t.SingleWord);
            w.WriteBoolean("lstrip", t.LStrip);
            w.WriteBoolean("rstrip", t.RStrip);
            w.WriteBoolean("normalized", t.IsNormalized);
            w.WriteBoolean("special", t.Special);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteComponent(w, "normalizer", Normalizer == null ? null : Normalizer.WriteJson);
        WriteComponent(w, "pre_tokenizer", PreTokenizer == null ? null : PreTokenizer.WriteJson);
        WriteComponent(w, "post_processor", PostProcessor == null ? null : PostProcessor.WriteJson);
        WriteComponent(w, "decoder", Decoder == null ? null : Decoder.WriteJson);
        w.WritePropertyName("model");
        Model.WriteJson(w);
        w.WriteEndObject();
    }

    private static void WriteRaw(Utf8JsonWriter w, string name, string? raw)
    {
        w.WritePropertyName(name);
        if (raw == null) w.WriteNullValue();
        else w.WriteRawValue(raw);
    }

    private static void WriteComponent(Utf8JsonWriter w, string name, Action<Utf8JsonWriter>? write)
    {
        w.WritePropertyName(name);
        if (write == null) w.WriteNullValue();
        else write(w);
    }
}
