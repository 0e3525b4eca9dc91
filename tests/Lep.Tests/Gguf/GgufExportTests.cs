using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Tests.Oracles;
using Lep.Tests.Support;
using Xunit.Abstractions;

namespace Lep.Tests.Gguf;

/// <summary>One small random HF model shape for the export oracle.</summary>
public sealed record ExportCase(string Name, string Architecture, int Hidden, int Ffn, int Layers, int Heads, int KvHeads,
    bool Tied, DType Storage, string Tokenizer, JsonObject? RopeScaling = null, int? HeadDim = null, bool AttentionBias = false,
    int ExtraRows = 0)
{
    public override string ToString() => Name;

    public static readonly ExportCase[] All =
    [
        new("mha", "LlamaForCausalLM", 64, 128, 2, 4, 4, false, DType.F32, "bytelevel"),
        new("gqa-bf16-spm", "LlamaForCausalLM", 64, 96, 2, 8, 2, false, DType.BF16, "spm"),
        new("tied-f16", "LlamaForCausalLM", 48, 80, 2, 4, 2, true, DType.F16, "bytelevel", ExtraRows: 7),
        new("qwen2-bias", "Qwen2ForCausalLM", 64, 96, 2, 4, 2, true, DType.F32, "bytelevel-qwen2"),
        new("llama3-rope", "LlamaForCausalLM", 64, 96, 2, 4, 2, false, DType.BF16, "bytelevel",
            RopeScaling: new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 32 }),
        new("mistral-linear-headdim", "MistralForCausalLM", 64, 96, 1, 4, 2, false, DType.F16, "spm",
            RopeScaling: new JsonObject { ["type"] = "linear", ["factor"] = 2.0 }, HeadDim: 32),
        new("llama-attention-bias", "LlamaForCausalLM", 32, 64, 1, 2, 1, false, DType.F32, "bytelevel", AttentionBias: true),
    ];

    public (JsonObject Tokenizer, JsonObject Config) MakeTokenizer() => Tokenizer switch
    {
        "bytelevel" => (TinyTokenizers.ByteLevel(), TinyTokenizers.ByteLevelConfig()),
        "bytelevel-qwen2" => (TinyTokenizers.ByteLevel(GgufTokenizer.Qwen2Pattern), TinyTokenizers.ByteLevelConfig()),
        "spm" => (TinyTokenizers.SentencePieceBpe(), TinyTokenizers.SentencePieceConfig()),
        _ => throw new ArgumentException(Tokenizer),
    };

    /// <summary>Writes the HF dir; returns the tokenizer.json object.</summary>
    public JsonObject WriteHfDir(string dir, int seed = 1)
    {
        var (tok, tcfg) = MakeTokenizer();
        int vocab = TinyTokenizers.Size(tok) + ExtraRows;
        // Written as JSON text and parsed back, exactly as a config.json on disk is read.
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(Architecture), ["vocab_size"] = vocab, ["hidden_size"] = Hidden,
            ["intermediate_size"] = Ffn, ["num_hidden_layers"] = Layers, ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads, ["hidden_act"] = "silu", ["max_position_embeddings"] = 256, ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = 10000.0, ["tie_word_embeddings"] = Tied, ["bos_token_id"] = 1, ["eos_token_id"] = 2, ["torch_dtype"] = "float32",
        };
        if (HeadDim is int hd) json["head_dim"] = hd;
        if (RopeScaling is not null) json["rope_scaling"] = RopeScaling.DeepClone();
        if (AttentionBias) json["attention_bias"] = true;
        var cfg = ModelConfig.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject());
        TinyModel.Write(dir, cfg, Storage, seed, tok, tcfg);
        return tok;
    }
}

[Collection("llama.cpp")]
public sealed class GgufExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-gguf-export-").FullName;
    private readonly ITestOutputHelper _out;
    public GgufExportTests(ITestOutputHelper output) => _out = output;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<object[]> Cases => ExportCase.All.Select(c => new object[] { c.Name });

    private static int[] RandomTokens(Random rng, int length, int vocab) => Enumerable.Range(0, length).Select(_ => rng.Next(vocab)).ToArray();

    /// <summary>The oracle: llama.cpp's logits on our GGUF vs an HF-semantics forward pass of the HF dir, ≤ 1e-4 relative per position.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void LlamaCppLogitsMatchHfForward(string name)
    {
        ExportCase c = ExportCase.All.Single(x => x.Name == name);
        string hf = Path.Combine(_dir, "hf");
        c.WriteHfDir(hf);
        string gguf = Path.Combine(_dir, "m.gguf");
        GgufExporter.Export(hf, gguf, new GgufExportOptions { MatrixType = GgmlType.F32 });

        var reference = new ReferenceLlamaForward(hf);
        using var model = LlamaForCausalLM.Load(hf);
        model.eval();
        using var llama = new LlamaCpp(gguf, contextSize: 64);
        int vocab = ModelConfig.Load(Path.Combine(hf, "config.json")).VocabSize;
        Assert.Equal(vocab, llama.VocabSize);
        var rng = new Random(42);
        double worstRef = 0, worstTorch = 0;
        foreach (int length in new[] { 1, 7, 23, 64 })
        {
            int[] tokens = RandomTokens(rng, length, vocab);
            float[][] got = llama.Logits(tokens);
            double[][] want = reference.Logits(tokens);
            float[][] ours = TorchLogits(model, tokens);
            for (int t = 0; t < length; t++)
            {
                double rel = RelativeError(got[t], want[t]);
                worstRef = Math.Max(worstRef, rel);
                Assert.True(rel <= 1e-4, $"{name}: llama.cpp vs reference, position {t}/{length}: relative error {rel:E2}");
                double relTorch = RelativeError(got[t], Array.ConvertAll(ours[t], x => (double)x));
                worstTorch = Math.Max(worstTorch, relTorch);
                Assert.True(relTorch <= 1e-4, $"{name}: llama.cpp vs Lep.Modeling, position {t}/{length}: relative error {relTorch:E2}");
            }
        }
        _out.WriteLine($"{name}: worst relative error llama.cpp vs Lep.Modeling {worstTorch:E2}, vs double reference {worstRef:E2}");
    }

    /// <summary>F16 matrices (the default export): llama.cpp also rounds activations to F16 in its matmuls, so the bound is looser.</summary>
    [Fact]
    public void F16ExportStaysCloseToHfForward()
    {
        ExportCase c = ExportCase.All.Single(x => x.Name == "gqa-bf16-spm");
        string hf = Path.Combine(_dir, "hf");
        c.WriteHfDir(hf);
        string gguf = Path.Combine(_dir, "m16.gguf");
        GgufExporter.Export(hf, gguf, new GgufExportOptions { MatrixType = GgmlType.F16 });
        var r = GgufReader.Open(gguf);
        Assert.Equal(GgmlType.F16, r.Tensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.F32, r.Tensor("blk.0.attn_norm.weight").Type);
        var reference = new ReferenceLlamaForward(hf);
        using var llama = new LlamaCpp(gguf, contextSize: 32);
        int[] tokens = RandomTokens(new Random(3), 32, llama.VocabSize);
        float[][] got = llama.Logits(tokens);
        double[][] want = reference.Logits(tokens);
        double worst = Enumerable.Range(0, tokens.Length).Max(t => RelativeError(got[t], want[t]));
        _out.WriteLine($"F16 export: worst relative error {worst:E2}");
        Assert.True(worst < 2e-2, $"F16 export: relative error {worst:E2}");
    }

    [Fact]
    public void GreedyGenerationMatchesFullSequenceArgmax()
    {
        string hf = Path.Combine(_dir, "hf");
        ExportCase.All[0].WriteHfDir(hf);
        string gguf = Path.Combine(_dir, "g.gguf");
        GgufExporter.Export(hf, gguf, new GgufExportOptions { MatrixType = GgmlType.F32 });
        using var llama = new LlamaCpp(gguf, contextSize: 64);
        int[] prompt = [5, 9, 100, 17];
        int[] generated = llama.Generate(prompt, 12);
        float[][] logits = llama.Logits(prompt.Concat(generated).ToArray());
        for (int i = 0; i < generated.Length; i++)
        {
            float[] row = logits[prompt.Length - 1 + i];
            Assert.Equal(Array.IndexOf(row, row.Max()), generated[i]);
        }
    }

    [Theory]
    [InlineData("bytelevel")]
    [InlineData("bytelevel-qwen2")]
    [InlineData("spm")]
    public void LlamaCppTokenizesLikeTokenizerJson(string kind)
    {
        ExportCase c = ExportCase.All[0] with { Tokenizer = kind, Layers = 1 };
        string hf = Path.Combine(_dir, "hf");
        JsonObject tok = c.WriteHfDir(hf);
        string gguf = Path.Combine(_dir, "t.gguf");
        GgufExporter.Export(hf, gguf);
        var reference = new ReferenceBpe(tok);
        using var llama = new LlamaCpp(gguf, contextSize: 32);
        string[] texts =
        [
            "hello world", " the world and the thing", "привет мир, в мире", "Hello World!! 12345 tabs\tand\nnew lines",
            "the  double   spaces ", "ZQX ÿ € 😀", "singing and bringing", "",
        ];
        foreach (string text in texts)
        {
            int[] want = reference.Encode(text);
            int[] got = llama.Tokenize(text);
            Assert.True(want.SequenceEqual(got), $"{kind}: '{text}': tokenizer.json [{string.Join(",", want)}] llama.cpp [{string.Join(",", got)}]");
        }
        var meta = GgufReader.Open(gguf);
        if (kind.StartsWith("bytelevel"))
        {
            int bos = (int)meta.Metadata["tokenizer.ggml.bos_token_id"].AsInteger();
            Assert.Equal("<|begin_of_text|>", meta.Metadata["tokenizer.ggml.tokens"].AsArray<string>()[bos]);
            Assert.Equal(new[] { bos }.Concat(reference.Encode(" hello")), llama.Tokenize("<|begin_of_text|> hello", parseSpecial: true));
            Assert.Equal(kind == "bytelevel" ? "llama-bpe" : "qwen2", meta.GetString("tokenizer.ggml.pre"));
        }
        else
        {
            Assert.Equal("llama", meta.GetString("tokenizer.ggml.model"));
            Assert.Equal(1, meta.Metadata["tokenizer.ggml.bos_token_id"].AsInteger());
            Assert.Equal(new[] { 1 }.Concat(reference.Encode("hello")), llama.Tokenize("hello", addBos: true));
            Assert.Equal((int)GgufTokenType.Byte, meta.Metadata["tokenizer.ggml.token_type"].AsArray<int>()[3 + 0x41]);
        }
        Assert.True(meta.Metadata["tokenizer.ggml.add_bos_token"].Value is true);
        Assert.NotNull(meta.GetString("tokenizer.chat_template"));
    }

    /// <summary>Which tokenizer.ggml.pre values this llama.cpp accepts for a gpt2 vocabulary.</summary>
    [Theory]
    [InlineData("llama-bpe", true)]
    [InlineData("qwen2", true)]
    [InlineData("gpt-2", true)]
    [InlineData("default", true)]
    [InlineData("no-such-pre-tokenizer", false)]
    public void PreTokenizerNamesAcceptedByLlamaCpp(string pre, bool accepted)
    {
        ExportCase c = ExportCase.All[0] with { Layers = 1, Hidden = 32, Heads = 2, KvHeads = 2, Ffn = 32 };
        string hf = Path.Combine(_dir, "hf");
        c.WriteHfDir(hf);
        string gguf = Path.Combine(_dir, "p.gguf");
        GgufExporter.Export(hf, gguf, new GgufExportOptions { PreTokenizer = pre });
        if (accepted)
        {
            using var llama = new LlamaCpp(gguf, contextSize: 16);
            Assert.NotEmpty(llama.Tokenize("hello world"));
        }
        else
        {
            var e = Assert.ThrowsAny<Exception>(() => new LlamaCpp(gguf, contextSize: 16));
            _out.WriteLine(e.Message.Split('\n')[0]);
        }
    }

    [Fact]
    public void MetadataAndTensorLayout()
    {
        ExportCase c = ExportCase.All.Single(x => x.Name == "llama3-rope");
        string hf = Path.Combine(_dir, "hf");
        c.WriteHfDir(hf);
        string gguf = Path.Combine(_dir, "m.gguf");
        GgufExporter.Export(hf, gguf, new GgufExportOptions { MatrixType = GgmlType.F32 });
        var r = GgufReader.Open(gguf);
        Assert.Equal("llama", r.GetString("general.architecture"));
        Assert.Equal(64, r.Metadata["llama.embedding_length"].AsInteger());
        Assert.Equal(2, r.Metadata["llama.attention.head_count_kv"].AsInteger());
        Assert.Equal(16, r.Metadata["llama.rope.dimension_count"].AsInteger());
        Assert.Equal(8, r.Tensor("rope_freqs.weight").ElementCount);
        float[] factors = r.ReadTensorFloats(r.Tensor("rope_freqs.weight"));
        Assert.Equal(1f, factors[0]);   // short wavelength: unscaled
        Assert.Equal(8f, factors[^1]);  // long wavelength: divided by factor
        Assert.Contains(factors, f => f > 1f && f < 8f); // the smooth band
        // q rows are permuted per head from HF's [2, d/2] to llama.cpp's [d/2, 2]; k likewise with kv heads.
        using var ckpt = CheckpointReader.Open(hf);
        float[] q = r.ReadTensorFloats(r.Tensor("blk.0.attn_q.weight"));
        byte[] hfq = ckpt.GetBytes("model.layers.0.self_attn.q_proj.weight").ToArray();
        int h = 64, hd = 16;
        float HfQ(int row, int col) => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(hfq, 2 * (row * h + col)) << 16);
        Assert.Equal(HfQ(0, 5), q[0 * h + 5]);
        Assert.Equal(HfQ(hd / 2, 5), q[1 * h + 5]);          // out row 1 = in row d/2
        Assert.Equal(HfQ(1, 5), q[2 * h + 5]);               // out row 2 = in row 1
        Assert.Equal(HfQ(hd + hd / 2 + 3, 7), q[(hd + 7) * h + 7]); // head 1, out row 7 = (i=3, j=1)
        Assert.DoesNotContain(r.Tensors, t => t.Name == "output.weight" && c.Tied);
    }

    [Fact]
    public void BadInputIsRejectedAndNothingIsWritten()
    {
        string hf = Path.Combine(_dir, "hf");
        ExportCase.All[0].WriteHfDir(hf);
        string outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        string gguf = Path.Combine(outDir, "bad.gguf");
        void Expect(string fragment)
        {
            var e = Assert.Throws<LepInputException>(() => GgufExporter.Export(hf, gguf));
            Assert.Contains(fragment, e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(outDir));
        }

        string tokPath = Path.Combine(hf, "tokenizer.json");
        string tokText = File.ReadAllText(tokPath);
        File.Delete(tokPath);
        Expect("tokenizer.json");
        File.WriteAllText(tokPath, tokText);

        string cfgPath = Path.Combine(hf, "config.json");
        string cfgText = File.ReadAllText(cfgPath);
        var cfg = JsonNode.Parse(cfgText)!.AsObject();
        cfg["architectures"] = new JsonArray("GPT2LMHeadModel");
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        Expect("unsupported architecture");

        cfg = JsonNode.Parse(cfgText)!.AsObject();
        cfg["vocab_size"] = 100;
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        Expect("vocab_size");
        File.WriteAllText(cfgPath, cfgText);

        // A tokenizer with more tokens than the embedding has rows.
        var tok = JsonNode.Parse(tokText)!.AsObject();
        ((JsonArray)tok["added_tokens"]!).Add(new JsonObject { ["id"] = 5000, ["content"] = "<|extra|>", ["special"] = true });
        File.WriteAllText(tokPath, tok.ToJsonString());
        Expect("rows");
        File.WriteAllText(tokPath, tokText);

        // Checkpoint missing a tensor.
        cfg = JsonNode.Parse(cfgText)!.AsObject();
        cfg["num_hidden_layers"] = 3;
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        Expect("model.layers.2.");
    }

    /// <summary>Lep.Modeling's fp32 logits [T][V] for one sequence.</summary>
    internal static float[][] TorchLogits(LlamaForCausalLM model, int[] tokens)
    {
        using var _ = TorchSharp.torch.no_grad();
        using var ids = TorchSharp.torch.tensor(tokens.Select(t => (long)t).ToArray(), new long[] { 1, tokens.Length });
        using var logits = model.Forward(ids);
        float[] flat = logits.contiguous().data<float>().ToArray();
        int v = (int)logits.shape[2];
        return Enumerable.Range(0, tokens.Length).Select(t => flat.AsSpan(t * v, v).ToArray()).ToArray();
    }

    internal static double RelativeError(float[] got, double[] want)
    {
        double num = 0, den = 0;
        for (int i = 0; i < want.Length; i++)
        {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return Math.Sqrt(num / den);
    }
}

/// <summary>Real tokenizer files from the test data attached to tiny random models (skipped when a file is missing).</summary>
[Collection("llama.cpp")]
public sealed class GgufRealTokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-gguf-realtok-").FullName;
    private readonly ITestOutputHelper _out;
    public GgufRealTokenizerTests(ITestOutputHelper output) => _out = output;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static readonly string[] Sentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Hello, world! It's 2024-05-17, and we've got 1234567 tokens.",
        "Привет, мир! Это тест токенизатора: ёжик, съешь же ещё этих мягких французских булок.",
        "Москва — столица России; население ~13 млн человек (2021).",
        "  leading spaces, tabs\tand\nnewlines\n\n  mixed   with  Русский текст  ",
        "def f(x):\n    return x**2  # comment",
        "emoji 😀 and symbols €¥ © ™ ½",
    ];

    private string WriteModel(string tokenizerFile, string? tokenizerConfigFile, int hidden = 64)
    {
        JsonObject tok = JsonNode.Parse(File.ReadAllText(TestData.Tokenizer(tokenizerFile)))!.AsObject();
        JsonObject tcfg = tokenizerConfigFile is null ? new JsonObject() : JsonNode.Parse(File.ReadAllText(TestData.Tokenizer(tokenizerConfigFile)))!.AsObject();
        string hf = Path.Combine(_dir, "hf");
        int rows = TinyTokenizers.Size(tok);
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["vocab_size"] = rows, ["hidden_size"] = hidden, ["intermediate_size"] = 64,
            ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2, ["num_key_value_heads"] = 2, ["tie_word_embeddings"] = true,
            ["max_position_embeddings"] = 256, ["rms_norm_eps"] = 1e-5, ["bos_token_id"] = 1, ["eos_token_id"] = 2,
        };
        TinyModel.Write(hf, ModelConfig.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject()), DType.BF16, 7, tok, tcfg);
        return hf;
    }

    [SkippableFact]
    public void Llama3TokenizerTokenizesLikeTokenizerJson()
    {
        string hf = WriteModel("llama3.tokenizer.json", "llama3.tokenizer_config.json");
        string gguf = Path.Combine(_dir, "l3.gguf");
        var result = GgufExporter.Export(hf, gguf);
        Assert.Equal("llama-bpe", result.PreTokenizer);
        var tok = JsonNode.Parse(File.ReadAllText(Path.Combine(hf, "tokenizer.json")))!.AsObject();
        var reference = new ReferenceBpe(tok);
        using var llama = new LlamaCpp(gguf, contextSize: 32);
        Assert.Equal(128256, llama.VocabSize);
        int total = 0;
        foreach (string s in Sentences)
        {
            int[] want = reference.Encode(s), got = llama.Tokenize(s);
            Assert.True(want.SequenceEqual(got), $"'{s}': tokenizer.json [{string.Join(",", want)}] llama.cpp [{string.Join(",", got)}]");
            total += want.Length;
        }
        Assert.Equal(new[] { 128000 }, llama.Tokenize("<|begin_of_text|>", parseSpecial: true));
        Assert.True(llama.Logits([128000, 9906, 1917]).All(r => r.All(float.IsFinite)));
        _out.WriteLine($"llama3: {Sentences.Length} sentences, {total} tokens identical");
    }

    [SkippableFact]
    public void DarulmSentencePieceBpeTokenizesLikeTokenizerJson()
    {
        string hf = WriteModel("darulm32k-bpe.tokenizer.json", null);
        string gguf = Path.Combine(_dir, "d.gguf");
        var result = GgufExporter.Export(hf, gguf);
        Assert.Equal("llama", result.TokenizerModel);
        var tok = JsonNode.Parse(File.ReadAllText(Path.Combine(hf, "tokenizer.json")))!.AsObject();
        var reference = new ReferenceBpe(tok);
        using var llama = new LlamaCpp(gguf, contextSize: 32);
        var mismatches = new List<string>();
        foreach (string s in Sentences)
        {
            int[] want = reference.Encode(s), got = llama.Tokenize(s);
            if (!want.SequenceEqual(got)) mismatches.Add($"'{s}': tokenizer.json [{string.Join(",", want)}] llama.cpp [{string.Join(",", got)}]");
        }
        foreach (string m in mismatches) _out.WriteLine(m);
        Assert.Empty(mismatches);
    }

    [SkippableFact]
    public void DarulmUnigramLoadsAndRuns()
    {
        string hf = WriteModel("darulm32k-unigram.tokenizer.json", null);
        string gguf = Path.Combine(_dir, "u.gguf");
        Assert.Equal("t5", GgufExporter.Export(hf, gguf).TokenizerModel);
        using var llama = new LlamaCpp(gguf, contextSize: 64);
        // llama.cpp's "llama" tokenizer merges greedily by score; Unigram is Viterbi. Measure (don't require) agreement.
        var reference = new ReferenceUnigram(JsonNode.Parse(File.ReadAllText(Path.Combine(hf, "tokenizer.json")))!.AsObject());
        int same = 0;
        foreach (string s in Sentences)
        {
            int[] want = reference.Encode(s), got = llama.Tokenize(s);
            if (want.SequenceEqual(got)) same++;
            else _out.WriteLine($"unigram differs on '{s.ReplaceLineEndings("\\n")}': viterbi [{string.Join(",", want)}], llama.cpp [{string.Join(",", got)}]");
        }
        _out.WriteLine($"unigram: {same}/{Sentences.Length} sentences tokenized identically");
        // llama.cpp's UGM has no byte fallback: characters outside the vocabulary become <unk> instead of <0xNN> bytes.
        // Sentences made of in-vocabulary characters only must segment exactly like Viterbi.
        foreach (string s in Sentences.Take(3)) Assert.Equal(reference.Encode(s), llama.Tokenize(s));
        int[] ids = llama.Tokenize(Sentences[2]);
        Assert.NotEmpty(ids);
        Assert.True(llama.Logits(ids.Take(32).ToArray()).All(r => r.All(float.IsFinite)));
        _out.WriteLine($"unigram: {ids.Length} tokens for '{Sentences[2]}'");
    }
}
