using static TorchSharp.torch;

namespace Lep.Adaptation.Propagation;

/// <summary>How the row blocks are multiplied: pure float64, or float32 block products summed in float64.</summary>
public enum FitPrecision
{
    /// <summary>Every product in float64 (exact, slowest).</summary>
    Float64,
    /// <summary>float32 block products accumulated in float64 (faster; the fit's residual shows any loss).</summary>
    Mixed,
}

/// <summary>The solved projection of one matrix and how well it fits.</summary>
internal sealed record ProjectionFit(Tensor P, long Rows, double RelativeResidual, double Ridge, string Solver);

/// <summary>A least-squares problem min ‖A·P − B‖ fed as row blocks [A | B] and solved once at the end.</summary>
internal interface ILeastSquares : IDisposable
{
    long Rows { get; }
    /// <summary>Adds a block: rows × 2d, each row [a | b].</summary>
    void Add(Tensor ab);
    /// <summary>Solves for P (d × d, float64). The caller owns the returned tensor.</summary>
    ProjectionFit Solve();
}

/// <summary>
/// Least squares min ‖A·P − B‖ for A, B ∈ ℝ^{n×d} fed as row blocks: accumulates G = AᵀA and H = AᵀB (float64,
/// O(d²) memory, 4·n·d² flops counted as the floor — G's symmetry saves a quarter of its half), plus ‖B‖² for the
/// residual, then solves G·P = H by Cholesky. A tiny ridge λ·tr(G)/d is added only when the factorisation fails or
/// the Cholesky diagonal says G is numerically singular; the ridge used is reported.
/// </summary>
internal sealed class NormalEquations : ILeastSquares
{
    private readonly Tensor _gh; // d × 2d: [G | H]
    private readonly int _d;
    private readonly int _half;
    private double _targetSquares;
    private readonly FitPrecision _precision;

    public long Rows { get; private set; }

    public NormalEquations(int dimension, FitPrecision precision = FitPrecision.Float64)
    {
        _d = dimension;
        _half = dimension / 2;
        _precision = precision;
        _gh = zeros(dimension, 2L * dimension, dtype: ScalarType.Float64);
    }

    /// <summary>Adds a block: <paramref name="ab"/> is rows × 2d, each row [a | b] (float64, or float32 for Mixed).</summary>
    public void Add(Tensor ab)
    {
        using var scope = NewDisposeScope();
        long n = ab.shape[0];
        if (n == 0) return;
        if (ab.shape[1] != 2L * _d) throw new ArgumentException($"block has {ab.shape[1]} columns, expected {2 * _d}");
        Tensor b = ab.narrow(1, _d, _d);
        _targetSquares += b.to_type(ScalarType.Float64).square().sum().item<double>();
        // Upper rows of G (first half of A's columns) against everything; lower rows only from the diagonal on.
        Tensor a1 = ab.narrow(1, 0, _half);
        Tensor a2 = ab.narrow(1, _half, _d - _half);
        Tensor top = _gh.narrow(0, 0, _half);
        Tensor bottom = _gh.narrow(0, _half, _d - _half).narrow(1, _half, 2L * _d - _half);
        if (_precision == FitPrecision.Float64 && ab.dtype == ScalarType.Float64)
        {
            top.addmm_(a1.t(), ab);
            bottom.addmm_(a2.t(), ab.narrow(1, _half, 2L * _d - _half));
        }
        else
        {
            Tensor f = ab.dtype == ScalarType.Float32 ? ab : ab.to_type(ScalarType.Float32);
            top.add_(mm(f.narrow(1, 0, _half).t(), f).to_type(ScalarType.Float64));
            bottom.add_(mm(f.narrow(1, _half, _d - _half).t(), f.narrow(1, _half, 2L * _d - _half)).to_type(ScalarType.Float64));
        }
        Rows += n;
    }

    /// <summary>Solves for P (d × d, float64). The caller owns the returned tensor.</summary>
    public ProjectionFit Solve()
    {
        using var scope = NewDisposeScope();
        Tensor g = _gh.narrow(1, 0, _d).clone();
        // Mirror the upper-left-computed lower block: G[half:, :half] = G[:half, half:]ᵀ.
        g.narrow(0, _half, _d - _half).narrow(1, 0, _half).copy_(g.narrow(0, 0, _half).narrow(1, _half, _d - _half).t());
        Tensor h = _gh.narrow(1, _d, _d);
        double scale = g.diagonal().sum().item<double>() / _d;
        if (!(scale > 0)) scale = 1;
        double ridge = 0;
        Tensor? l = null;
        string solver = "cholesky";
        for (int attempt = 0; attempt < 12; attempt++)
        {
            Tensor gr = ridge == 0 ? g : g + eye(_d, dtype: ScalarType.Float64) * (ridge * scale);
            var (factor, info) = linalg.cholesky_ex(gr);
            if (info.item<int>() == 0)
            {
                Tensor diag = factor.diagonal();
                double min = diag.min().item<double>(), max = diag.max().item<double>();
                // (min/max)² bounds the condition number from below: beyond ~1e13 the solution is noise.
                if (min > 0 && min / max > 3e-7) { l = factor; break; }
            }
            ridge = ridge == 0 ? 1e-12 : ridge * 100;
        }
        if (l is null) throw new InvalidOperationException("the normal equations could not be factorised even with a ridge of 1e10·tr(G)/d");
        if (ridge > 0) solver = $"cholesky+ridge";
        Tensor p = h.cholesky_solve(l);
        // ‖AP − B‖² = ‖B‖² − 2 tr(PᵀH) + tr(PᵀGP)
        double cross = (p * h).sum().item<double>();
        double quad = (p * mm(g, p)).sum().item<double>();
        double residual2 = Math.Max(0, _targetSquares - 2 * cross + quad);
        double rel = _targetSquares > 0 ? Math.Sqrt(residual2 / _targetSquares) : 0;
        return new ProjectionFit(p.MoveToOuterDisposeScope(), Rows, rel, ridge * scale, solver);
    }

    public void Dispose() => _gh.Dispose();
}
