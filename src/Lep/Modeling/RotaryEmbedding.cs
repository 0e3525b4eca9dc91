using Lep.Formats.Checkpoint;
using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>
/// Rotary position embedding with HF's rotate-half layout, including the "linear" and Llama-3.1 "llama3"
/// frequency scalings of rope_scaling.
/// </summary>
internal sealed class RotaryEmbedding
{
    private readonly Tensor _invFreq; // [headDim/2], float32

    public RotaryEmbedding(ModelConfig config, Device device)
    {
        _invFreq = tensor(InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling), device: device);
    }

    /// <summary>inv_freq as transformers computes it (float32 arithmetic, then the scaling rule).</summary>
    public static float[] InverseFrequencies(int headDim, double theta, RopeScaling? scaling)
    {
        int half = headDim / 2;
        var inv = new float[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0f / MathF.Pow((float)theta, (2 * i) / (float)headDim);
        if (scaling is null) return inv;
        if (scaling.Type == "linear")
        {
            for (int i = 0; i < half; i++) inv[i] = (float)(inv[i] / scaling.Factor);
            return inv;
        }
        // llama3: long wavelengths are divided by factor, short ones kept, the band between interpolated smoothly.
        double lowFreqWavelen = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        double highFreqWavelen = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        for (int i = 0; i < half; i++)
        {
            double f = inv[i];
            double wavelen = 2 * Math.PI / f;
            if (wavelen > lowFreqWavelen) f /= scaling.Factor;
            else if (wavelen >= highFreqWavelen)
            {
                double smooth = (scaling.OriginalMaxPositionEmbeddings / wavelen - scaling.LowFreqFactor)
                                / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                f = (1 - smooth) * f / scaling.Factor + smooth * f;
            }
            inv[i] = (float)f;
        }
        return inv;
    }

    /// <summary>cos and sin for positions [B, T] → each [B, 1, T, headDim].</summary>
    public (Tensor Cos, Tensor Sin) For(Tensor positions)
    {
        using var scope = NewDisposeScope();
        Tensor freqs = positions.to_type(ScalarType.Float32).unsqueeze(-1) * _invFreq; // [B, T, half]
        Tensor emb = cat([freqs, freqs], -1).unsqueeze(1);
        return (emb.cos().MoveToOuterDisposeScope(), emb.sin().MoveToOuterDisposeScope());
    }

    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        Tensor x1 = x.narrow(-1, 0, half);
        Tensor x2 = x.narrow(-1, half, half);
        Tensor rotated = cat([x2.neg(), x1], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
