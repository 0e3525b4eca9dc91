using Lep.Adaptation.Propagation;
using Lep.Tests.Support;
using static TorchSharp.torch;

namespace Lep.Tests.Adaptation;

/// <summary>The least-squares core on synthetic matrices: exact recovery, the residual least squares predicts, mixed precision.</summary>
public sealed class NormalEquationsTests
{
    private static ProjectionFit Fit(Tensor a, Tensor b, int block, FitPrecision precision = FitPrecision.Float64) =>
        Fit(new NormalEquations((int)a.shape[1], precision), a, b, block, precision);

    /// <summary>Feeds [a | b] to <paramref name="solver"/> in blocks of <paramref name="block"/> rows and solves.</summary>
    private static ProjectionFit Fit(ILeastSquares solver, Tensor a, Tensor b, int block, FitPrecision precision = FitPrecision.Float64)
    {
        using var eq = solver;
        for (long s = 0; s < a.shape[0]; s += block)
        {
            long n = Math.Min(block, a.shape[0] - s);
            using Tensor ab = cat([a.narrow(0, s, n), b.narrow(0, s, n)], 1);
            eq.Add(precision == FitPrecision.Float64 ? ab : ab.to_type(ScalarType.Float32));
        }
        return eq.Solve();
    }

    [Theory]
    [InlineData(16, 300, 64)]
    [InlineData(33, 500, 77)]
    public void ExactMapIsRecovered(int d, int n, int block)
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(42);
        Tensor a = randn([n, d], dtype: ScalarType.Float64, generator: g);
        Tensor q = randn([d, d], dtype: ScalarType.Float64, generator: g) / Math.Sqrt(d) + eye(d, dtype: ScalarType.Float64);
        Tensor b = mm(a, q);
        ProjectionFit fit = Fit(a, b, block);
        Assert.True(Numerics.RelativeError(fit.P, q) <= 1e-9, $"P vs Q: {Numerics.RelativeError(fit.P, q):E2}");
        Assert.True(fit.RelativeResidual <= 1e-6, $"residual {fit.RelativeResidual:E2}");
        Assert.Equal(0, fit.Ridge);
        Assert.Equal(n, fit.Rows);
        fit.P.Dispose();
    }

    [Fact]
    public void NoisyFitMatchesDirectLeastSquares()
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(7);
        int d = 24, n = 400;
        Tensor a = randn([n, d], dtype: ScalarType.Float64, generator: g);
        Tensor q = randn([d, d], dtype: ScalarType.Float64, generator: g);
        Tensor b = mm(a, q) + 0.3 * randn([n, d], dtype: ScalarType.Float64, generator: g);
        ProjectionFit fit = Fit(a, b, 50);
        Tensor direct = linalg.lstsq(a, b).Solution;
        Assert.True(Numerics.RelativeError(fit.P, direct) <= 1e-10, $"P vs lstsq: {Numerics.RelativeError(fit.P, direct):E2}");
        double predicted = (mm(a, direct) - b).norm().item<double>() / b.norm().item<double>();
        Assert.True(Math.Abs(fit.RelativeResidual - predicted) <= 1e-9, $"residual {fit.RelativeResidual} vs lstsq {predicted}");
        Assert.True(predicted > 0.01);
        fit.P.Dispose();
    }

    [Fact]
    public void MixedPrecisionMatchesFloat64WithinOneInAHundredThousand()
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(3);
        int d = 64, n = 3000;
        // bf16-valued inputs, as stored checkpoints are
        Tensor a = randn([n, d], generator: g).to_type(ScalarType.BFloat16).to_type(ScalarType.Float64);
        Tensor b = (mm(a, randn([d, d], dtype: ScalarType.Float64, generator: g)) + randn([n, d], dtype: ScalarType.Float64, generator: g))
            .to_type(ScalarType.BFloat16).to_type(ScalarType.Float64);
        ProjectionFit exact = Fit(a, b, 512);
        ProjectionFit mixed = Fit(a, b, 512, FitPrecision.Mixed);
        double rel = Numerics.RelativeError(mixed.P, exact.P);
        Assert.True(rel <= 1e-5, $"mixed vs fp64: {rel:E2}");
        exact.P.Dispose();
        mixed.P.Dispose();
    }

    [Fact]
    public void UnderdeterminedSystemGetsARidgeAndIsReported()
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(9);
        Tensor a = randn([10, 32], dtype: ScalarType.Float64, generator: g);
        Tensor b = randn([10, 32], dtype: ScalarType.Float64, generator: g);
        ProjectionFit fit = Fit(a, b, 4);
        Assert.True(fit.Ridge > 0);
        Assert.Equal("cholesky+ridge", fit.Solver);
        Assert.False(double.IsNaN(fit.P.sum().item<double>()));
        Assert.True(fit.RelativeResidual < 1e-3, $"10 rows in 32 dims fit almost exactly: {fit.RelativeResidual:E2}");
        fit.P.Dispose();
    }

    [Fact]
    public void StreamingQrGivesTheMinimumNormSolutionOfAnUnderdeterminedFit()
    {
        // 10 rows in 16 dimensions (an overlap with few shared tokens): the normal equations are singular; the streamed
        // R must give lstsq's (gelsy's) minimum-norm solution on the whole A, which fits exactly.
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(11);
        int d = 16, n = 10;
        Tensor a = randn([n, d], dtype: ScalarType.Float64, generator: g);
        Tensor b = randn([n, d], dtype: ScalarType.Float64, generator: g);
        ProjectionFit fit = Fit(new StreamingQr(d), a, b, 4);
        Tensor direct = linalg.lstsq(a, b).Solution;
        Assert.True(Numerics.RelativeError(fit.P, direct) <= 1e-9, $"P vs lstsq: {Numerics.RelativeError(fit.P, direct):E2}");
        Assert.True(fit.RelativeResidual <= 1e-9, $"residual {fit.RelativeResidual:E2}");
        Assert.Equal("qr+svd (rank 10 of 16)", fit.Solver);
        fit.P.Dispose();
    }
}
