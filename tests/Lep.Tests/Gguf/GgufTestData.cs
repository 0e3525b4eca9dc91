using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Formats.Safetensors;

namespace Lep.Tests.Gguf;

/// <summary>Small tokenizers written as HF tokenizer.json objects, plus a plain reference BPE encoder for them.</summary>
public static class TinyTokenizers
{
    /// <summary>GPT-2's byte ↔ printable-unicode table (bytes_to_unicode).</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var direct = new List<int>();
        for (int b = '!'; b <= '~'; b++) direct.Add(b);
        for (int b = 0xA1; b <= 0xAC; b++) direct.Add(b);
        for (int b = 0xAE; b <= 0xFF; b++) direct.Add(b);
        foreach (int b in direct) map[b] = (char)b;
        int n = 0;
        for (int b = 0; b < 256; b++) if (!direct.Contains(b)) map[b] = (char)(256 + n++);
        return map;
    }

    public static string ByteLevelEncode(string s) => new(Encoding.UTF8.GetBytes(s).Select(b => ByteToChar[b]).ToArray());

    public static readonly string[] ByteLevelSpecials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"];

    /// <summary>A byte-level BPE (Llama-3 split regex): 256 byte tokens, merges learned from a few words, 3 specials.</summary>
    public static JsonObject ByteLevel(string splitPattern = GgufTokenizer.Llama3Pattern)
    {
        var vocab = new JsonObject();
        var tokens = new List<string>();
        for (int b = 0; b < 256; b++) tokens.Add(ByteToChar[b].ToString());
        var merges = new List<string>();
        void Merge(string a, string b)
        {
            merges.Add($"{a} {b}");
            if (!tokens.Contains(a + b)) tokens.Add(a + b);
        }
        // English and Russian merges in byte-level form ("Ġ" = space; Cyrillic letters are two bytes).
        foreach (string word in new[] { " the", " world", " hello", "ing", " and", " привет", " мир", "ер", " в" })
        {
            string enc = ByteLevelEncode(word);
            // merge left to right: a+b, ab+c, ...
            string acc = enc[0].ToString();
            for (int i = 1; i < enc.Length; i++)
            {
                Merge(acc, enc[i].ToString());
                acc += enc[i];
            }
        }
        for (int i = 0; i < tokens.Count; i++) vocab[tokens[i]] = i;
        var added = new JsonArray();
        foreach (string sp in ByteLevelSpecials)
        {
            int id = tokens.Count;
            tokens.Add(sp);
            vocab[sp] = id;
            added.Add(new JsonObject { ["id"] = id, ["content"] = sp, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = splitPattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 1 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } }),
                ["special_tokens"] = new JsonObject
                {
                    ["<|begin_of_text|>"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["ids"] = new JsonArray(tokens.IndexOf("<|begin_of_text|>")), ["tokens"] = new JsonArray("<|begin_of_text|>") },
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false,
                ["ignore_merges"] = true, ["vocab"] = vocab, ["merges"] = new JsonArray(merges.Select(m => (JsonNode?)m).ToArray()),
            },
        };
    }

    public static JsonObject ByteLevelConfig() => new()
    {
        ["bos_token"] = "<|begin_of_text|>",
        ["eos_token"] = "<|eot_id|>",
        ["chat_template"] = "{% for m in messages %}<|begin_of_text|>{{ m['content'] }}<|eot_id|>{% endfor %}",
        ["tokenizer_class"] = "PreTrainedTokenizerFast",
    };

    /// <summary>A SentencePiece-style BPE: &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, 256 &lt;0xNN&gt; byte tokens, single characters, merges; ▁ for spaces.</summary>
    public static JsonObject SentencePieceBpe()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        for (int b = 0; b < 256; b++) tokens.Add($"<0x{b:X2}>");
        foreach (char c in "▁abcdefghijklmnopqrstuvwxyzприветмдо.,") if (!tokens.Contains(c.ToString())) tokens.Add(c.ToString());
        var merges = new List<string>();
        foreach (string word in new[] { "▁the", "▁world", "▁hello", "ing", "▁and", "▁привет", "▁мир", "ер", "▁в" })
        {
            string acc = word[0].ToString();
            for (int i = 1; i < word.Length; i++)
            {
                merges.Add($"{acc} {word[i]}");
                acc += word[i];
                if (!tokens.Contains(acc)) tokens.Add(acc);
            }
        }
        var vocab = new JsonObject();
        for (int i = 0; i < tokens.Count; i++) vocab[tokens[i]] = i;
        JsonObject Added(int id, string content) => new() { ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(Added(0, "<unk>"), Added(1, "<s>"), Added(2, "</s>")),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }),
            },
            ["pre_tokenizer"] = null,
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" }, new JsonObject { ["type"] = "Fuse" },
                    new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = "<unk>", ["fuse_unk"] = true, ["byte_fallback"] = true,
                ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = new JsonArray(merges.Select(m => (JsonNode?)m).ToArray()),
            },
        };
    }

    public static JsonObject SentencePieceConfig() => new()
    {
        ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["unk_token"] = "<unk>",
        ["add_bos_token"] = true, ["add_eos_token"] = false,
        ["chat_template"] = "{{ bos_token }}{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}",
    };

    public static int Size(JsonObject tokenizer) =>
        Math.Max(tokenizer["model"]!["vocab"] is JsonArray unigram ? unigram.Count - 1 : ((JsonObject)tokenizer["model"]!["vocab"]!).Select(kv => (int)kv.Value!).Max(),
                 ((JsonArray)tokenizer["added_tokens"]!).Select(a => (int)a!["id"]!).DefaultIfEmpty(-1).Max()) + 1;
}

/// <summary>
/// A plain BPE encoder over a tokenizer.json (no special-token parsing, no post-processor): byte-level (split regex →
/// bytes → GPT-2 chars → merges by rank, with ignore_merges) or SentencePiece-style (Prepend/Replace ▁ → chars → merges →
/// byte fallback). Written for tests as an independent, obviously-correct reference.
/// </summary>
public sealed class ReferenceBpe
{
    private readonly Dictionary<string, int> _vocab = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), int> _ranks = new();
    private readonly Regex? _split;
    private readonly bool _byteLevel, _ignoreMerges;

    public ReferenceBpe(JsonObject tokenizer)
    {
        var model = (JsonObject)tokenizer["model"]!;
        foreach (var (k, v) in (JsonObject)model["vocab"]!) _vocab[k] = (int)v!;
        int r = 0;
        foreach (JsonNode? m in (JsonArray)model["merges"]!)
        {
            string[] parts = m is JsonArray a ? [(string)a[0]!, (string)a[1]!] : ((string)m!).Split(' ', 2);
            _ranks.TryAdd((parts[0], parts[1]), r++);
        }
        _ignoreMerges = (bool?)model["ignore_merges"] ?? false;
        string json = tokenizer["pre_tokenizer"]?.ToJsonString() ?? "";
        _byteLevel = json.Contains("ByteLevel");
        if (_byteLevel)
        {
            var pre = GgufTokenizer.ChoosePre(tokenizer["pre_tokenizer"]);
            string pattern = pre.Pre == "llama-bpe" ? GgufTokenizer.Llama3Pattern : pre.Pre == "qwen2" ? GgufTokenizer.Qwen2Pattern : GgufTokenizer.Gpt2Pattern;
            _split = new Regex(pattern, RegexOptions.CultureInvariant);
        }
    }

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        if (_byteLevel)
        {
            foreach (Match m in _split!.Matches(text))
            {
                string word = TinyTokenizers.ByteLevelEncode(m.Value);
                if (_ignoreMerges && _vocab.TryGetValue(word, out int whole)) { ids.Add(whole); continue; }
                foreach (string piece in Merge(word.Select(c => c.ToString()).ToList())) ids.Add(_vocab[piece]);
            }
            return ids.ToArray();
        }
        if (text.Length == 0) return []; // HF's Prepend normalizer leaves an empty string empty
        string normalized = "▁" + text.Replace(' ', '▁');
        var symbols = new List<string>();
        for (int i = 0; i < normalized.Length;)
        {
            int cp = char.ConvertToUtf32(normalized, i);
            symbols.Add(char.ConvertFromUtf32(cp));
            i += char.IsSurrogatePair(normalized, i) ? 2 : 1;
        }
        foreach (string piece in Merge(symbols))
        {
            if (_vocab.TryGetValue(piece, out int id)) ids.Add(id);
            else foreach (byte b in Encoding.UTF8.GetBytes(piece)) ids.Add(_vocab[$"<0x{b:X2}>"]);
        }
        return ids.ToArray();
    }

    private List<string> Merge(List<string> s)
    {
        while (s.Count > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < s.Count; i++)
                if (_ranks.TryGetValue((s[i], s[i + 1]), out int rank) && rank < bestRank) { bestRank = rank; best = i; }
            if (best < 0) break;
            s[best] += s[best + 1];
            s.RemoveAt(best + 1);
        }
        return s;
    }
}

/// <summary>Writes small random HF checkpoint dirs (config.json, model.safetensors, tokenizer files).</summary>
public static class TinyModel
{
    public static void Write(string dir, ModelConfig cfg, DType storage, int seed, JsonObject tokenizer, JsonObject tokenizerConfig)
    {
        Directory.CreateDirectory(dir);
        cfg.Save(Path.Combine(dir, "config.json"));
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tokenizer.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), tokenizerConfig.ToJsonString());
        var rng = new Random(seed);
        var tensors = new List<PendingTensor>();
        int h = cfg.HiddenSize, hd = cfg.HeadDim, v = cfg.VocabSize;
        void Mat(string name, long rows, long cols, double scale) =>
            tensors.Add(Tensor(name, [rows, cols], storage, () => rng.NextDouble() * 2 - 1, scale));
        void Vec(string name, long n, double center, double spread) =>
            tensors.Add(Tensor(name, [n], storage, () => center / spread + (rng.NextDouble() * 2 - 1), spread));
        Mat("model.embed_tokens.weight", v, h, 1.0);
        for (int i = 0; i < cfg.NumLayers; i++)
        {
            string p = $"model.layers.{i}.";
            double sh = Math.Sqrt(3.0 / h);
            Vec(p + "input_layernorm.weight", h, 1.0, 0.2);
            Mat(p + "self_attn.q_proj.weight", cfg.NumHeads * hd, h, 2 * sh);
            Mat(p + "self_attn.k_proj.weight", cfg.NumKeyValueHeads * hd, h, 2 * sh);
            Mat(p + "self_attn.v_proj.weight", cfg.NumKeyValueHeads * hd, h, sh);
            if (cfg.QkvBias)
            {
                Vec(p + "self_attn.q_proj.bias", cfg.NumHeads * hd, 0, 0.3);
                Vec(p + "self_attn.k_proj.bias", cfg.NumKeyValueHeads * hd, 0, 0.3);
                Vec(p + "self_attn.v_proj.bias", cfg.NumKeyValueHeads * hd, 0, 0.3);
            }
            Mat(p + "self_attn.o_proj.weight", h, cfg.NumHeads * hd, Math.Sqrt(3.0 / (cfg.NumHeads * hd)));
            if (cfg.OutputProjBias) Vec(p + "self_attn.o_proj.bias", h, 0, 0.1);
            Vec(p + "post_attention_layernorm.weight", h, 1.0, 0.2);
            Mat(p + "mlp.gate_proj.weight", cfg.IntermediateSize, h, sh);
            Mat(p + "mlp.up_proj.weight", cfg.IntermediateSize, h, sh);
            Mat(p + "mlp.down_proj.weight", h, cfg.IntermediateSize, Math.Sqrt(3.0 / cfg.IntermediateSize));
        }
        Vec("model.norm.weight", h, 1.0, 0.2);
        if (!cfg.TieWordEmbeddings) Mat("lm_head.weight", v, h, Math.Sqrt(3.0 / h) * 4);
        CheckpointWriter.WriteWeights(dir, tensors);
    }

    private static PendingTensor Tensor(string name, long[] shape, DType dtype, Func<double> next, double scale)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[n * dtype.ItemSize()];
        for (long i = 0; i < n; i++)
        {
            float x = (float)(next() * scale);
            switch (dtype)
            {
                case DType.F32: BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(4 * i)), x); break;
                case DType.F16: BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan((int)(2 * i)), (Half)x); break;
                case DType.BF16: BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((int)(2 * i)), (ushort)(BitConverter.SingleToUInt32Bits(x) >> 16)); break;
                default: throw new NotSupportedException();
            }
        }
        return PendingTensor.FromBytes(name, dtype, shape, bytes);
    }
}

/// <summary>Reference Unigram (Viterbi over code points, Prepend/Replace ▁ normalization, byte fallback for unknown characters).</summary>
public sealed class ReferenceUnigram
{
    private readonly Dictionary<string, (int Id, double Score)> _pieces = new(StringComparer.Ordinal);
    private readonly int _maxLen;
    private readonly double _unkScore;

    public ReferenceUnigram(JsonObject tokenizer)
    {
        var vocab = (JsonArray)tokenizer["model"]!["vocab"]!;
        double min = double.MaxValue;
        for (int i = 0; i < vocab.Count; i++)
        {
            string piece = (string)vocab[i]![0]!;
            double score = (double)vocab[i]![1]!;
            _pieces.TryAdd(piece, (i, score));
            min = Math.Min(min, score);
            _maxLen = Math.Max(_maxLen, piece.Length);
        }
        _unkScore = min - 10;
    }

    public int[] Encode(string text)
    {
        if (text.Length == 0) return [];
        string s = "▁" + text.Replace(' ', '▁');
        int n = s.Length;
        var best = new double[n + 1];
        var from = new int[n + 1];
        var piece = new string?[n + 1];
        Array.Fill(best, double.NegativeInfinity);
        best[0] = 0;
        for (int i = 0; i < n; i++)
        {
            if (double.IsNegativeInfinity(best[i]) || char.IsLowSurrogate(s[i])) continue;
            bool single = false;
            for (int len = 1; len <= _maxLen && i + len <= n; len++)
            {
                if (i + len < n && char.IsLowSurrogate(s[i + len])) continue;
                string sub = s.Substring(i, len);
                int charLen = char.IsHighSurrogate(s[i]) ? 2 : 1;
                if (_pieces.TryGetValue(sub, out var p))
                {
                    if (len == charLen) single = true;
                    if (best[i] + p.Score > best[i + len]) { best[i + len] = best[i] + p.Score; from[i + len] = i; piece[i + len] = sub; }
                }
            }
            if (!single)
            {
                int charLen = char.IsHighSurrogate(s[i]) ? 2 : 1;
                if (best[i] + _unkScore > best[i + charLen]) { best[i + charLen] = best[i] + _unkScore; from[i + charLen] = i; piece[i + charLen] = s.Substring(i, charLen); }
            }
        }
        var ids = new List<int>();
        for (int end = n; end > 0; end = from[end])
        {
            string p = piece[end]!;
            if (_pieces.TryGetValue(p, out var e)) ids.Insert(0, e.Id);
            else ids.InsertRange(0, Encoding.UTF8.GetBytes(p).Select(b => _pieces[$"<0x{b:X2}>"].Id));
        }
        return ids.ToArray();
    }
}
