using System.Diagnostics;

namespace Lep.Bench;

public static class Timing
{
    /// <summary>Best wall time of <paramref name="repeats"/> runs after one warm-up run.</summary>
    public static double BestSeconds(int repeats, Action action)
    {
        action();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
