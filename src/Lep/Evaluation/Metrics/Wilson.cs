namespace Lep.Evaluation.Metrics;

/// <summary>The Wilson score interval for a proportion (95 % by default): honest at small n and near 0 or 1.</summary>
internal static class Wilson
{
    public const double Z95 = 1.959963984540054;

    public static (double Low, double High) Interval(double successes, int n, double z = Z95)
    {
        if (n <= 0) return (0, 1);
        double p = successes / n, z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
