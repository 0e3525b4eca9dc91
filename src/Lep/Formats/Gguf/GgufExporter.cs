using System.Buffers.Binary;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;

namespace Lep.Formats.Gguf;

/// <summary>How `lep export gguf` writes a model: the matrix type, the tokenizer's llama.cpp spelling and the file's
/// name.</summary>
public sealed record GgufExportOptions
{
    /// <summary>Type of the 2-D weight matrices: F32, F16, BF16 or Q8_0. Norms, biases and rope factors are always F32; with
    /// Q8_0, a matrix whose rows are not a multiple of 32 values (ggml's block) is stored F16.</summary>
    public GgmlType MatrixType { get; init; } = GgufExportOptions.ParseMatrixType(GgufSchema.OutType.Default);
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>Forces <c>tokenizer.ggml.pre</c> (byte-level BPE only) instead of choosing it from the split regex.</summary>
    public string? PreTokenizer { get; init; }
    /// <summary>Unigram vocabularies as llama.cpp's <c>t5</c> (UGM, Viterbi — the Unigram algorithm) rather than <c>llama</c>
    /// (greedy score merges, what convert_hf_to_gguf writes for SentencePiece models, which segments Unigram text differently).</summary>
    public bool UnigramAsUgm { get; init; } = !GgufSchema.UnigramAsLlama.Default;
    /// <summary><c>general.name</c>; defaults to the directory name.</summary>
    public string? Name { get; init; }

    /// <summary>The <c>--outtype</c> names of the matrix types, as llama.cpp's tools spell them.</summary>
    public static readonly IReadOnlyDictionary<string, GgmlType> MatrixTypeNames = new Dictionary<string, GgmlType>(StringComparer.Ordinal)
    {
        ["f16"] = GgmlType.F16, ["f32"] = GgmlType.F32, ["bf16"] = GgmlType.BF16, ["q8_0"] = GgmlType.Q8_0,
    };

    /// <summary>The matrix type of an <c>--outtype</c> name (f32, f16, bf16, q8_0); throws on any other.</summary>
    public static GgmlType ParseMatrixType(string name) =>
        MatrixTypeNames.TryGetValue(name, out GgmlType t) ? t : throw new ArgumentException($"unknown GGUF matrix type '{name}' (expected " +
            $"{string.Join(", ", MatrixTypeNames.Keys)})");
}

/// <summary>What an export did (for the CLI to report).</summary>
public sealed record GgufExportResult(string Architecture, int TensorCount, long Bytes, string TokenizerModel, string? PreTokenizer, bool PreTokenizerIsFallback);

/// <summary>
/// Converts an HF Llama-family dir (LlamaForCausalLM, MistralForCausalLM → llama.cpp <c>llama</c>; Qwen2ForCausalLM →
/// <c>qwen2</c>) into a GGUF file llama.cpp loads: hyper-parameters, tensors under llama.cpp's names (q/k rows of the
/// <c>llama</c> arch permuted from HF's rotate-half layout to llama.cpp's interleaved one), llama3 rope factors as
/// <c>rope_freqs.weight</c>, and the tokenizer. Everything is validated before the first byte is written; the output
/// appears atomically or not at all.
/// </summary>
public static class GgufExporter
{
    /// <summary>Changes whenever the bytes an export writes for the same input change (keys cached exports).</summary>
    public const int Revision = 1;

    /// <summary>Converts the HF dir <paramref name="hfDir"/> into the GGUF file <paramref name="outPath"/>.</summary>
    public static GgufExportResult Export(string hfDir, string outPath, GgufExportOptions? options = null, IProgress<double>? progress = null)
    {
        options ??= new GgufExportOptions();
        if (options.MatrixType is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q8_0))
            throw new ArgumentException($"matrix type {options.MatrixType} is not supported (F32, F16, BF16, Q8_0)");
        if (!Directory.Exists(hfDir)) throw new LepInputException(hfDir, "directory not found");
        OutputTarget.Check(outPath, OutputKind.File, options.ReplaceOutput, [hfDir]);
        string configPath = Path.Combine(hfDir, "config.json");
        ModelConfig cfg = ModelConfig.Load(configPath);
        if (cfg.MlpBias) throw new LepInputException(configPath, "mlp_bias is not supported by the GGUF export");
        bool qwen2 = cfg.Architecture == "Qwen2ForCausalLM";
        string arch = qwen2 ? "qwen2" : "llama";
        if (qwen2 && cfg.RopeScaling?.Type == "llama3") throw new LepInputException(configPath, "llama3 rope scaling on Qwen2 is not supported by llama.cpp's qwen2 architecture");

        using CheckpointReader ckpt = CheckpointReader.Open(hfDir);
        int h = cfg.HiddenSize, hd = cfg.HeadDim, nh = cfg.NumHeads, nkv = cfg.NumKeyValueHeads, ff = cfg.IntermediateSize;
        const string embedName = "model.embed_tokens.weight";
        TensorInfo embed = ckpt.Contains(embedName) ? ckpt.Info(embedName) : throw new LepInputException(hfDir, $"checkpoint has no tensor '{embedName}'");
        if (embed.Shape.Length != 2 || embed.Shape[1] != h) throw new LepInputException(hfDir, $"'{embedName}' has shape {embed.ShapeText}, expected [vocab, {h}]");
        int rows = checked((int)embed.Shape[0]);
        if (rows != cfg.VocabSize) throw new LepInputException(configPath, $"vocab_size {cfg.VocabSize} but '{embedName}' has {rows} rows");

        GgufTokenizer tokenizer = GgufTokenizer.Load(hfDir, rows, cfg.Json, options.PreTokenizer, options.UnigramAsUgm);

        var w = new GgufWriter();
        w.Set("general.architecture", arch);
        w.Set("general.name", options.Name ?? Path.GetFileName(Path.GetFullPath(hfDir).TrimEnd('/')));
        w.Set("general.file_type", FileType(options.MatrixType));
        w.Set($"{arch}.vocab_size", (uint)rows);
        w.Set($"{arch}.context_length", (uint)cfg.MaxPositionEmbeddings);
        w.Set($"{arch}.embedding_length", (uint)h);
        w.Set($"{arch}.block_count", (uint)cfg.NumLayers);
        w.Set($"{arch}.feed_forward_length", (uint)ff);
        w.Set($"{arch}.attention.head_count", (uint)nh);
        w.Set($"{arch}.attention.head_count_kv", (uint)nkv);
        if (hd * nh != h)
        {
            w.Set($"{arch}.attention.key_length", (uint)hd);
            w.Set($"{arch}.attention.value_length", (uint)hd);
        }
        w.Set($"{arch}.rope.dimension_count", (uint)hd);
        w.Set($"{arch}.rope.freq_base", (float)cfg.RopeTheta);
        w.Set($"{arch}.attention.layer_norm_rms_epsilon", (float)cfg.RmsNormEps);
        if (cfg.RopeScaling is { Type: "linear" } lin)
        {
            w.Set($"{arch}.rope.scaling.type", "linear");
            w.Set($"{arch}.rope.scaling.factor", (float)lin.Factor);
        }
        tokenizer.WriteTo(w);

        // Tensors, validated up front.
        var used = new HashSet<string>(StringComparer.Ordinal);
        void Add(string hfName, string ggufName, long[] expected, bool matrix, int permuteHeads = 0)
        {
            if (!ckpt.Contains(hfName)) throw new LepInputException(hfDir, $"checkpoint has no tensor '{hfName}'");
            TensorInfo info = ckpt.Info(hfName);
            if (!info.Shape.SequenceEqual(expected))
                throw new LepInputException(ckpt.FileOf(hfName).Path, $"tensor '{hfName}' has shape {info.ShapeText}, expected [{string.Join(", ", expected)}]");
            if (!info.DType.IsFloat()) throw new LepInputException(ckpt.FileOf(hfName).Path, $"tensor '{hfName}' is {info.DType}, not a float type");
            used.Add(hfName);
            GgmlType type = !matrix ? GgmlType.F32
                : options.MatrixType == GgmlType.Q8_0 && expected[^1] % Q8_0.BlockValues != 0 ? GgmlType.F16
                : options.MatrixType;
            SafetensorsFile file = ckpt.FileOf(hfName);
            w.AddTensor(ggufName, type, expected, s => WriteConverted(s, file, info, type, permuteHeads));
        }
        bool permute = !qwen2; // llama arch: rope on interleaved pairs; qwen2 arch: NeoX rope, HF layout as is
        Add(embedName, "token_embd.weight", [rows, h], matrix: true);
        for (int i = 0; i < cfg.NumLayers; i++)
        {
            string p = $"model.layers.{i}.", b = $"blk.{i}.";
            Add(p + "input_layernorm.weight", b + "attn_norm.weight", [h], false);
            Add(p + "self_attn.q_proj.weight", b + "attn_q.weight", [nh * hd, h], true, permute ? nh : 0);
            Add(p + "self_attn.k_proj.weight", b + "attn_k.weight", [nkv * hd, h], true, permute ? nkv : 0);
            Add(p + "self_attn.v_proj.weight", b + "attn_v.weight", [nkv * hd, h], true);
            if (cfg.QkvBias)
            {
                Add(p + "self_attn.q_proj.bias", b + "attn_q.bias", [nh * hd], false, permute ? nh : 0);
                Add(p + "self_attn.k_proj.bias", b + "attn_k.bias", [nkv * hd], false, permute ? nkv : 0);
                Add(p + "self_attn.v_proj.bias", b + "attn_v.bias", [nkv * hd], false);
            }
            Add(p + "self_attn.o_proj.weight", b + "attn_output.weight", [h, nh * hd], true);
            if (cfg.OutputProjBias) Add(p + "self_attn.o_proj.bias", b + "attn_output.bias", [h], false);
            Add(p + "post_attention_layernorm.weight", b + "ffn_norm.weight", [h], false);
            Add(p + "mlp.gate_proj.weight", b + "ffn_gate.weight", [ff, h], true);
            Add(p + "mlp.up_proj.weight", b + "ffn_up.weight", [ff, h], true);
            Add(p + "mlp.down_proj.weight", b + "ffn_down.weight", [h, ff], true);
        }
        Add("model.norm.weight", "output_norm.weight", [h], false);
        if (!cfg.TieWordEmbeddings) Add("lm_head.weight", "output.weight", [rows, h], true);
        else used.Add("lm_head.weight"); // a tied checkpoint may still store the copy; llama.cpp reuses token_embd
        if (cfg.RopeScaling is { Type: "llama3" } rs)
        {
            float[] factors = Llama3RopeFactors(cfg.RopeTheta, hd, rs);
            w.AddTensor("rope_freqs.weight", factors, [factors.Length]);
        }
        foreach (string name in ckpt.Names)
        {
            if (used.Contains(name) || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)) continue;
            throw new LepInputException(hfDir, $"checkpoint tensor '{name}' has no place in the {arch} GGUF (unsupported architecture variant?)");
        }

        string full = Path.GetFullPath(outPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        w.Write(full, progress);
        return new GgufExportResult(arch, w.Tensors.Count(), new FileInfo(full).Length, tokenizer.Model, tokenizer.Pre, tokenizer.PreIsFallback);
    }

    /// <summary>llama.cpp's <c>llama_ftype</c> for a file whose matrices are mostly <paramref name="matrixType"/>.</summary>
    private static uint FileType(GgmlType matrixType) => matrixType switch
    {
        GgmlType.F32 => 0u,
        GgmlType.F16 => 1u,
        GgmlType.Q8_0 => 7u,
        GgmlType.BF16 => 32u,
        _ => throw new ArgumentException(matrixType.ToString()),
    };

    /// <summary>
    /// llama.cpp's <c>rope_freqs</c> for HF <c>rope_type: llama3</c>: one divisor per rotary pair. llama.cpp divides each
    /// base frequency θ_i = base^(−2i/d) by it. Wavelengths shorter than original_ctx/high_freq_factor keep θ (1); longer
    /// than original_ctx/low_freq_factor are slowed by <c>factor</c>; in between the divisor is 1/((1−s)/factor + s)
    /// with s = (original_ctx/wavelength − low)/(high − low) — the same smoothing HF applies to inv_freq.
    /// θ_i is computed in float32 as the reference converter does, so the band edges fall where they fall there.
    /// </summary>
    public static float[] Llama3RopeFactors(double theta, int headDim, RopeScaling rs)
    {
        double lowWavelen = rs.OriginalMaxPositionEmbeddings / rs.LowFreqFactor;
        double highWavelen = rs.OriginalMaxPositionEmbeddings / rs.HighFreqFactor;
        var result = new float[headDim / 2];
        for (int i = 0; i < result.Length; i++)
        {
            float exponent = (float)(2 * i) / headDim;
            float freq = 1.0f / MathF.Pow((float)theta, exponent);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) result[i] = 1f;
            else if (wavelen > lowWavelen) result[i] = (float)rs.Factor;
            else
            {
                double smooth = (rs.OriginalMaxPositionEmbeddings / wavelen - rs.LowFreqFactor) / (rs.HighFreqFactor - rs.LowFreqFactor);
                result[i] = (float)(1 / ((1 - smooth) / rs.Factor + smooth));
            }
        }
        return result;
    }

    /// <summary>Source row of output row <paramref name="r"/> when HF's per-head [2, d/2] row layout becomes llama.cpp's [d/2, 2].</summary>
    internal static long PermutedSourceRow(long r, long rowsPerHead)
    {
        long head = r / rowsPerHead, within = r % rowsPerHead, half = rowsPerHead / 2;
        long i = within / 2, j = within % 2;
        return head * rowsPerHead + j * half + i;
    }

    /// <summary>Streams a tensor row by row: converts the stored F32/F16/BF16 to <paramref name="type"/>, optionally permuting q/k rows.</summary>
    private static unsafe void WriteConverted(Stream s, SafetensorsFile file, TensorInfo info, GgmlType type, int permuteHeads)
    {
        long rowLen = info.Shape.Length == 1 ? 1 : info.Shape[^1];
        long rowCount = info.ElementCount / rowLen;
        long rowsPerHead = permuteHeads > 0 ? rowCount / permuteHeads : 0;
        int itemSize = info.DType.ItemSize();
        byte* src = file.Pointer(info);
        // Convert in chunks of whole rows (1-D tensors: everything as one chunk of scalar "rows").
        int rowsPerChunk = (int)Math.Max(1, Math.Min(rowCount, (1 << 20) / Math.Max(1, rowLen)));
        var floats = new float[rowsPerChunk * rowLen];
        var outBytes = new byte[type == GgmlType.Q8_0 ? type.ByteSize(floats.Length, rowLen) : floats.Length * (type == GgmlType.F32 ? 4 : 2)];
        for (long start = 0; start < rowCount; start += rowsPerChunk)
        {
            int n = (int)Math.Min(rowsPerChunk, rowCount - start);
            for (int k = 0; k < n; k++)
            {
                long r = start + k;
                long srcRow = rowsPerHead > 0 ? PermutedSourceRow(r, rowsPerHead) : r;
                var from = new ReadOnlySpan<byte>(src + srcRow * rowLen * itemSize, (int)(rowLen * itemSize));
                Decode(from, info.DType, floats.AsSpan((int)(k * rowLen), (int)rowLen));
            }
            int count = (int)(n * rowLen);
            switch (type)
            {
                case GgmlType.F32:
                    System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan(0, count)).CopyTo(outBytes);
                    s.Write(outBytes, 0, count * 4);
                    break;
                case GgmlType.F16:
                    for (int i = 0; i < count; i++) BinaryPrimitives.WriteHalfLittleEndian(outBytes.AsSpan(2 * i), (Half)floats[i]);
                    s.Write(outBytes, 0, count * 2);
                    break;
                case GgmlType.BF16:
                    for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt16LittleEndian(outBytes.AsSpan(2 * i), ToBf16(floats[i]));
                    s.Write(outBytes, 0, count * 2);
                    break;
                case GgmlType.Q8_0:
                    int size = (int)type.ByteSize(count, rowLen);
                    Q8_0.Quantize(floats.AsSpan(0, count), outBytes);
                    s.Write(outBytes, 0, size);
                    break;
                default: throw new NotSupportedException(type.ToString());
            }
        }
    }

    private static void Decode(ReadOnlySpan<byte> from, DType dtype, Span<float> to)
    {
        switch (dtype)
        {
            case DType.F32:
                for (int i = 0; i < to.Length; i++) to[i] = BinaryPrimitives.ReadSingleLittleEndian(from[(4 * i)..]);
                break;
            case DType.F16:
                for (int i = 0; i < to.Length; i++) to[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(from[(2 * i)..]);
                break;
            case DType.BF16:
                for (int i = 0; i < to.Length; i++) to[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(from[(2 * i)..]) << 16);
                break;
            default: throw new NotSupportedException(dtype.ToString());
        }
    }

    /// <summary>float → bfloat16, round to nearest even (NaN kept quiet).</summary>
    private static ushort ToBf16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
