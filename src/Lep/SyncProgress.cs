namespace Lep;

/// <summary>IProgress that reports on the calling thread (System.Progress posts to the thread pool, out of order).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

internal static class SyncProgress
{
    /// <summary>Forwards only the fraction of a (stage, fraction) progress: for a UI that shows one bar.</summary>
    public static IProgress<(string Stage, double Fraction)> Fractions(IProgress<double> bar) => new SyncProgress<(string, double)>(x => bar.Report(x.Item2));
}
