using System.Buffers.Binary;
using Lep.Formats;
using Lep.Formats.Checkpoint;

namespace Lep.Tests.Gguf;

/// <summary>
/// TEST-ONLY reference forward pass of an HF Llama-family checkpoint in plain C# double precision, with HF semantics:
/// RMSNorm (x·rsqrt(mean x²+eps)·w), rotate-half RoPE (default / linear / llama3 inv_freq), GQA, optional q/k/v and
/// o biases, SwiGLU MLP, tied or untied head. It stands in for Lep.Modeling in the llama.cpp oracle test until that
/// lands; swap it for the real model then.
/// </summary>
public sealed class ReferenceLlamaForward
{
    private readonly ModelConfig _c;
    private readonly Dictionary<string, double[]> _w = new();
    private readonly double[] _invFreq;

    public ReferenceLlamaForward(string hfDir)
    {
        _c = ModelConfig.Load(Path.Combine(hfDir, "config.json"));
        using var ckpt = CheckpointReader.Open(hfDir);
        foreach (string name in ckpt.Names)
        {
            var info = ckpt.Info(name);
            ReadOnlySpan<byte> b = ckpt.GetBytes(name);
            var d = new double[info.ElementCount];
            for (int i = 0; i < d.Length; i++)
                d[i] = info.DType switch
                {
                    DType.F32 => BinaryPrimitives.ReadSingleLittleEndian(b[(4 * i)..]),
                    DType.F16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b[(2 * i)..]),
                    DType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b[(2 * i)..]) << 16),
                    _ => throw new NotSupportedException(),
                };
            _w[name] = d;
        }
        int hd = _c.HeadDim;
        _invFreq = new double[hd / 2];
        for (int i = 0; i < hd / 2; i++)
        {
            double f = 1.0 / Math.Pow(_c.RopeTheta, 2.0 * i / hd);
            if (_c.RopeScaling is { Type: "linear" } lin) f /= lin.Factor;
            else if (_c.RopeScaling is { Type: "llama3" } rs)
            {
                double wavelen = 2 * Math.PI / f, low = rs.OriginalMaxPositionEmbeddings / rs.LowFreqFactor, high = rs.OriginalMaxPositionEmbeddings / rs.HighFreqFactor;
                if (wavelen > low) f /= rs.Factor;
                else if (wavelen >= high)
                {
                    double s = (rs.OriginalMaxPositionEmbeddings / wavelen - rs.LowFreqFactor) / (rs.HighFreqFactor - rs.LowFreqFactor);
                    f = (1 - s) * f / rs.Factor + s * f;
                }
            }
            _invFreq[i] = f;
        }
    }

    /// <summary>Logits [seq][vocab] for a sequence starting at position 0.</summary>
    public double[][] Logits(IReadOnlyList<int> tokens)
    {
        int T = tokens.Count, H = _c.HiddenSize, hd = _c.HeadDim, nh = _c.NumHeads, nkv = _c.NumKeyValueHeads, V = _c.VocabSize;
        var x = new double[T][];
        double[] emb = _w["model.embed_tokens.weight"];
        for (int t = 0; t < T; t++) x[t] = emb.AsSpan(tokens[t] * H, H).ToArray();
        for (int l = 0; l < _c.NumLayers; l++)
        {
            string p = $"model.layers.{l}.";
            var q = new double[T][]; var k = new double[T][]; var v = new double[T][];
            for (int t = 0; t < T; t++)
            {
                double[] n = Norm(x[t], _w[p + "input_layernorm.weight"]);
                q[t] = Linear(n, p + "self_attn.q_proj", nh * hd);
                k[t] = Linear(n, p + "self_attn.k_proj", nkv * hd);
                v[t] = Linear(n, p + "self_attn.v_proj", nkv * hd);
                Rope(q[t], nh, t); Rope(k[t], nkv, t);
            }
            for (int t = 0; t < T; t++)
            {
                var attn = new double[nh * hd];
                for (int head = 0; head < nh; head++)
                {
                    int kvh = head / (nh / nkv);
                    var scores = new double[t + 1];
                    double max = double.NegativeInfinity;
                    for (int s = 0; s <= t; s++)
                    {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q[t][head * hd + i] * k[s][kvh * hd + i];
                        scores[s] = dot / Math.Sqrt(hd);
                        max = Math.Max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) sum += scores[s] = Math.Exp(scores[s] - max);
                    for (int s = 0; s <= t; s++)
                        for (int i = 0; i < hd; i++) attn[head * hd + i] += scores[s] / sum * v[s][kvh * hd + i];
                }
                double[] o = Linear(attn, p + "self_attn.o_proj", H);
                for (int i = 0; i < H; i++) x[t][i] += o[i];
                double[] n2 = Norm(x[t], _w[p + "post_attention_layernorm.weight"]);
                double[] g = Linear(n2, p + "mlp.gate_proj", _c.IntermediateSize), u = Linear(n2, p + "mlp.up_proj", _c.IntermediateSize);
                for (int i = 0; i < g.Length; i++) g[i] = g[i] / (1 + Math.Exp(-g[i])) * u[i];
                double[] d = Linear(g, p + "mlp.down_proj", H);
                for (int i = 0; i < H; i++) x[t][i] += d[i];
            }
        }
        string lmHead = _c.TieWordEmbeddings ? "model.embed_tokens" : "lm_head";
        return x.Select(row => Linear(Norm(row, _w["model.norm.weight"]), lmHead, V)).ToArray();
    }

    private double[] Norm(double[] x, double[] w)
    {
        double ms = x.Sum(a => a * a) / x.Length;
        double r = 1 / Math.Sqrt(ms + _c.RmsNormEps);
        return x.Select((a, i) => a * r * w[i]).ToArray();
    }

    private double[] Linear(double[] x, string prefix, int outDim)
    {
        double[] w = _w[prefix + ".weight"];
        _w.TryGetValue(prefix + ".bias", out double[]? b);
        var y = new double[outDim];
        int inDim = x.Length;
        for (int o = 0; o < outDim; o++)
        {
            double s = b?[o] ?? 0;
            for (int i = 0; i < inDim; i++) s += w[o * inDim + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    private void Rope(double[] v, int heads, int pos)
    {
        int hd = _c.HeadDim, half = hd / 2;
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
            {
                double a = pos * _invFreq[i], c = Math.Cos(a), s = Math.Sin(a);
                double x1 = v[h * hd + i], x2 = v[h * hd + i + half];
                v[h * hd + i] = x1 * c - x2 * s;
                v[h * hd + i + half] = x2 * c + x1 * s;
            }
    }
}
