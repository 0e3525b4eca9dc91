using static TorchSharp.torch;

namespace Lep.Adaptation.Propagation;

/// <summary>
/// Minimum-norm least squares, as LAPACK's gelsy gives it (the reference's <c>torch.linalg.lstsq</c> on CPU), without
/// holding A: the R factor of [A | B] is updated block by block (R ← R of [R; block], 2d × 2d, float64), so
/// A = Q·R₁₁ and QᵀB = R₁₂ with ‖R₂₂‖ the part of B no P can reach. gelsy then solves R₁₁·P = R₁₂ with the rank cut
/// the reference's call uses (rcond = ε·max(rows, d)); A's singular values are R₁₁'s, so the solution is A's
/// minimum-norm one. Costs about twice the normal equations' flops, and never squares the condition number.
/// </summary>
public sealed class StreamingQr : ILeastSquares
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
        double rcond = Math.Pow(2, -52) * Math.Max(Rows, _d);
        var (p, _, rank, _) = linalg.lstsq(r11, r12, rcond);
        double residual2 = (mm(r11, p) - r12).square().sum().item<double>() + r22.square().sum().item<double>();
        double rel = _targetSquares > 0 ? Math.Sqrt(residual2 / _targetSquares) : 0;
        long r = rank.numel() > 0 ? rank.item<long>() : _d;
        return new ProjectionFit(p.MoveToOuterDisposeScope(), Rows, rel, 0, r < _d ? $"qr+gelsy (rank {r} of {_d})" : "qr+gelsy");
    }

    public void Dispose() => _r.Dispose();
}
