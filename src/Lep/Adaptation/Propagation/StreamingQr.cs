using static TorchSharp.torch;

namespace Lep.Adaptation.Propagation;

/// <summary>
/// Minimum-norm least squares, the solution LAPACK's gelsy gives (the reference's <c>torch.linalg.lstsq</c> on CPU),
/// without holding A: the R factor of [A | B] is updated block by block (R ← R of [R; block], 2d × 2d, float64), so
/// A = Q·R₁₁ and QᵀB = R₁₂ with ‖R₂₂‖ the part of B no P can reach. R₁₁ has A's singular values: its SVD, cut where
/// the reference's call cuts (σ ≤ rcond·σ₁, rcond = ε·max(rows, d)), gives A's minimum-norm solution. Costs about
/// twice the normal equations' flops, and never squares the condition number. Where the deficiency is structural
/// (fewer rows than d) the rank is exact; for columns collinear to rounding, the streamed R's own rounding (a few
/// hundred ε after many blocks) can fall on either side of the cut, as a different LAPACK build's could.
/// </summary>
internal sealed class StreamingQr : ILeastSquares
{
    private Tensor _r; // 2d × 2d, upper triangular
    private readonly int _d;
    private double _targetSquares;

    public long Rows { get; private set; }

    public StreamingQr(int dimension)
    {
        _d = dimension;
        _r = zeros(2L * dimension, 2L * dimension, dtype: ScalarType.Float64);
    }

    public void Add(Tensor ab)
    {
        long n = ab.shape[0];
        if (n == 0) return;
        if (ab.shape[1] != 2L * _d) throw new ArgumentException($"block has {ab.shape[1]} columns, expected {2 * _d}");
        using var scope = NewDisposeScope();
        Tensor block = ab.to_type(ScalarType.Float64);
        _targetSquares += block.narrow(1, _d, _d).square().sum().item<double>();
        var (_, r) = linalg.qr(cat([_r, block], 0));
        _r.Dispose();
        _r = r.MoveToOuterDisposeScope();
        Rows += n;
    }

    public ProjectionFit Solve()
    {
        using var scope = NewDisposeScope();
        Tensor r11 = _r.narrow(0, 0, _d).narrow(1, 0, _d);
        Tensor r12 = _r.narrow(0, 0, _d).narrow(1, _d, _d);
        Tensor r22 = _r.narrow(0, _d, _d).narrow(1, _d, _d);
        // Minimum norm through R₁₁'s SVD: singular values below rcond·σ₁ count as zero, the cut gelsy makes.
        double rcond = Math.Pow(2, -52) * Math.Max(Rows, _d);
        var (u, sigma, vh) = linalg.svd(r11, fullMatrices: false);
        double cut = rcond * sigma[0].item<double>();
        Tensor keep = sigma.gt(cut);
        long r = keep.sum().item<long>();
        Tensor inverse = where(keep, sigma.reciprocal(), zeros_like(sigma));
        Tensor p = mm(vh.t() * inverse.unsqueeze(0), mm(u.t(), r12));
        double residual2 = (mm(r11, p) - r12).square().sum().item<double>() + r22.square().sum().item<double>();
        double rel = _targetSquares > 0 ? Math.Sqrt(residual2 / _targetSquares) : 0;
        return new ProjectionFit(p.MoveToOuterDisposeScope(), Rows, rel, 0, r < _d ? $"qr+svd (rank {r} of {_d})" : "qr+svd");
    }

    public void Dispose() => _r.Dispose();
}
