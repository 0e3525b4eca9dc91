namespace Lep.Training;

/// <summary>
/// Which packed rows each optimizer step reads: an epoch-wise shuffle seeded by (seed, epoch), walked in order,
/// batch × accumulation rows per step. Both engines follow it (the torch engine receives it as a table), so a run
/// takes the same steps whichever engine or how many devices run it.
/// </summary>
internal sealed class DataOrder
{
    private readonly int _rowCount;
    private readonly TrainingOptions _o;
    private readonly Dictionary<int, int[]> _orders = [];

    public DataOrder(int rowCount, TrainingOptions options)
    {
        _rowCount = rowCount;
        _o = options;
    }

    public int RowsPerStep => _o.BatchSize * _o.GradientAccumulation;

    /// <summary>Row indices of a step's micro-batches, micro-batch after micro-batch.</summary>
    public int[] RowsForStep(int step)
    {
        var rows = new int[RowsPerStep];
        for (int k = 0; k < rows.Length; k++)
        {
            long global = (long)step * rows.Length + k;
            int epoch = (int)(global / _rowCount);
            rows[k] = EpochOrder(epoch)[(int)(global % _rowCount)];
        }
        return rows;
    }

    private int[] EpochOrder(int epoch)
    {
        if (_orders.TryGetValue(epoch, out int[]? order)) return order;
        order = Enumerable.Range(0, _rowCount).ToArray();
        // A stable mix of (seed, epoch): HashCode.Combine is randomised per process and would break reproducibility.
        new Random((int)((ulong)(_o.Seed * 1_000_003 + epoch * 7919) % int.MaxValue)).Shuffle(order);
        if (_orders.Count > 4) _orders.Clear();
        return _orders[epoch] = order;
    }
}
