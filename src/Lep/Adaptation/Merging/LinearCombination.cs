using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;

namespace Lep.Adaptation.Merging;

/// <summary>
/// A tensor streamed as Σ c_k·x_k over same-named, same-shaped tensors of several checkpoints: summed in float64 in
/// the order the terms are given, stored in the output dtype, a few MB at a time. Terms with coefficient 0 are
/// skipped, so a merge weight of exactly 0 or 1 gives the other input back bit for bit.
/// </summary>
internal static class LinearCombination
{
    private const int ChunkElements = 1 << 18;

    public static PendingTensor Pending(string name, DType dtype, long[] shape, IReadOnlyList<(CheckpointReader Source, double Coefficient)> terms) =>
        new(name, dtype, shape, s => Write(s, name, dtype, terms));

    private static void Write(Stream s, string name, DType dtype, IReadOnlyList<(CheckpointReader Source, double Coefficient)> terms)
    {
        var live = terms.Where(t => t.Coefficient != 0).ToList();
        var readers = (live.Count > 0 ? live : terms.Take(1)).Select(t => new MatrixRows(t.Source, name, flatten: true)).ToList();
        try
        {
            long rows = readers[0].Rows;
            int cols = readers[0].Columns;
            int chunkRows = Math.Max(1, ChunkElements / Math.Max(1, cols));
            var acc = new double[chunkRows * cols];
            var x = new double[chunkRows * cols];
            var bytes = new byte[chunkRows * cols * dtype.ItemSize()];
            for (long start = 0; start < rows; start += chunkRows)
            {
                int n = (int)Math.Min(chunkRows, rows - start);
                Span<double> sum = acc.AsSpan(0, n * cols);
                if (live.Count == 0) sum.Clear();
                for (int k = 0; k < live.Count; k++)
                {
                    readers[k].Read(start, n, x);
                    Add(sum, x.AsSpan(0, n * cols), live[k].Coefficient, first: k == 0);
                }
                MatrixRows.Narrow(sum, dtype, bytes.AsSpan(0, n * cols * dtype.ItemSize()));
                s.Write(bytes, 0, n * cols * dtype.ItemSize());
            }
        }
        finally
        {
            foreach (MatrixRows r in readers) r.Dispose();
        }
    }

    /// <summary>sum += c·x; the first term is assigned, not added, so −0.0 survives a weight of exactly 1.</summary>
    public static void Add(Span<double> sum, ReadOnlySpan<double> x, double c, bool first = false)
    {
        if (first)
            for (int i = 0; i < x.Length; i++) sum[i] = c * x[i];
        else
            for (int i = 0; i < x.Length; i++) sum[i] += c * x[i];
    }
}
