using Lep.Adaptation.Propagation;
using Lep.Formats.Checkpoint;
using static TorchSharp.torch;

namespace Lep.Adaptation;

/// <summary>
/// How far an instruct model moved from its base: raw drift ‖W_I − W_B‖_F / ‖W_B‖_F of the embeddings, the head and the
/// layer matrices (mean), and the relative residual of the least-squares map from base rows to instruct rows over the
/// shared vocabulary (‖E_B·P − E_I‖ / ‖E_I‖, at most the raw drift). LEP assumes both are small: real pairs have
/// 0.02–0.2 (Llama-3.1-8B 0.040 / 0.065, Mistral-7B-v0.3 0.021 / 0.017).
/// </summary>
internal sealed record PairDriftReport(double EmbeddingDrift, double? HeadDrift, double LayerDrift, int LayerMatrices,
    double EmbeddingResidual, double? HeadResidual, long SharedRows)
{
    /// <summary>The worse of the embedding and head residuals: what every propagation mode pays at least.</summary>
    public double WorstResidual => Math.Max(EmbeddingResidual, HeadResidual ?? 0);
}

internal static class PairDrift
{
    private const int BlockRows = 4096;

    public static PairDriftReport Measure(string baseDir, string instructDir)
    {
        using ModelInput b = ModelInput.Open(ModelRolesSchema.Base, baseDir);
        using ModelInput i = ModelInput.Open(ModelRolesSchema.Instruct, instructDir);
        if (b.Config.HiddenSize != i.Config.HiddenSize)
            throw new LepInputException(instructDir, $"hidden size {i.Config.HiddenSize} differs from the base's {b.Config.HiddenSize}: not a sibling");
        long shared = Math.Min(b.Embed.Shape[0], i.Embed.Shape[0]);

        var (embedDrift, embedResidual) = Vocabulary(b.Weights, i.Weights, ModelInput.EmbedName, shared);
        double? headDrift = null, headResidual = null;
        if (!b.Tied && !i.Tied) (headDrift, headResidual) = Vocabulary(b.Weights, i.Weights, ModelInput.HeadName, shared);

        var layers = b.Weights.Names
            .Where(n => n.StartsWith("model.layers.", StringComparison.Ordinal) && b.Weights.Info(n).Shape.Length == 2 && i.Weights.Contains(n))
            .Where(n => b.Weights.Info(n).Shape.SequenceEqual(i.Weights.Info(n).Shape))
            .Select(n => Drift(b.Weights, i.Weights, n, b.Weights.Info(n).Shape[0]))
            .ToList();
        return new PairDriftReport(embedDrift, headDrift, layers.Count > 0 ? layers.Average() : 0, layers.Count, embedResidual, headResidual, shared);
    }

    /// <summary>Raw drift of one matrix over its first <paramref name="rows"/> rows.</summary>
    private static double Drift(CheckpointReader b, CheckpointReader i, string name, long rows)
    {
        var drift = new DriftSum();
        ForBlocks(b, i, name, rows, drift.Add);
        return drift.Value;
    }

    /// <summary>‖I − B‖_F / ‖B‖_F accumulated over row blocks.</summary>
    private sealed class DriftSum
    {
        private double _diff, _norm;
        public double Value => _norm > 0 ? Math.Sqrt(_diff / _norm) : 0;

        public void Add(double[] bs, double[] @is)
        {
            for (int k = 0; k < bs.Length; k++)
            {
                double d = @is[k] - bs[k];
                _diff += d * d;
                _norm += bs[k] * bs[k];
            }
        }
    }

    /// <summary>Raw drift and least-squares residual of a token-indexed matrix over the shared rows.</summary>
    private static (double Drift, double Residual) Vocabulary(CheckpointReader b, CheckpointReader i, string name, long rows)
    {
        int d = checked((int)b.Info(name).Shape[1]);
        var drift = new DriftSum();
        using var fit = new NormalEquations(d);
        ForBlocks(b, i, name, rows, (bs, @is) =>
        {
            int n = bs.Length / d;
            var ab = new double[n * 2 * d];
            for (int r = 0; r < n; r++)
            {
                bs.AsSpan(r * d, d).CopyTo(ab.AsSpan(r * 2 * d, d));
                @is.AsSpan(r * d, d).CopyTo(ab.AsSpan(r * 2 * d + d, d));
            }
            drift.Add(bs, @is);
            using var block = tensor(ab, [n, 2L * d], ScalarType.Float64);
            fit.Add(block);
        });
        ProjectionFit solved = fit.Solve();
        solved.P.Dispose();
        return (drift.Value, solved.RelativeResidual);
    }

    private static void ForBlocks(CheckpointReader b, CheckpointReader i, string name, long rows, Action<double[], double[]> each)
    {
        using var rb = new MatrixRows(b, name);
        using var ri = new MatrixRows(i, name);
        for (long start = 0; start < rows; start += BlockRows)
        {
            int n = (int)Math.Min(BlockRows, rows - start);
            var bs = new double[n * rb.Columns];
            var @is = new double[n * ri.Columns];
            rb.Read(start, n, bs);
            ri.Read(start, n, @is);
            each(bs, @is);
        }
    }
}
