namespace Lep.Adaptation.Merging;

/// <summary>
/// Spherical interpolation of two tensors taken as flat vectors: slerp(x, y; t) = a·x + b·y with
/// a = sin((1−t)Ω)/sin Ω, b = sin(tΩ)/sin Ω, Ω the angle between x and y. The inputs are not normalised (their
/// norms carry through), as in mergekit; nearly (anti-)parallel or zero tensors fall back to the linear (1−t, t).
/// </summary>
internal static class Slerp
{
    /// <summary>|cos Ω| above this counts as parallel (sin Ω too small to divide by).</summary>
    public const double ParallelCosine = 0.9995;

    public static (double A, double B, bool Linear) Coefficients(double dot, double normX2, double normY2, double t)
    {
        if (normX2 == 0 || normY2 == 0) return (1 - t, t, true);
        double cos = Math.Clamp(dot / Math.Sqrt(normX2 * normY2), -1, 1);
        if (Math.Abs(cos) > ParallelCosine) return (1 - t, t, true);
        double omega = Math.Acos(cos), sin = Math.Sin(omega);
        return (Math.Sin((1 - t) * omega) / sin, Math.Sin(t * omega) / sin, false);
    }

    /// <summary>x·y, |x|², |y|² over the first <paramref name="rows"/> rows of two equally wide tensors, streamed.</summary>
    public static (double Dot, double NormX2, double NormY2) Measure(MatrixRows x, MatrixRows y, long rows)
    {
        int cols = x.Columns;
        int chunk = Math.Max(1, (1 << 18) / Math.Max(1, cols));
        var a = new double[chunk * cols];
        var b = new double[chunk * cols];
        double dot = 0, nx = 0, ny = 0;
        for (long start = 0; start < rows; start += chunk)
        {
            int n = (int)Math.Min(chunk, rows - start);
            x.Read(start, n, a);
            y.Read(start, n, b);
            for (int i = 0; i < n * cols; i++)
            {
                dot += a[i] * b[i];
                nx += a[i] * a[i];
                ny += b[i] * b[i];
            }
        }
        return (dot, nx, ny);
    }
}
