using static TorchSharp.torch;

namespace Lep.Tests.Support;

public static class Numerics
{
    /// <summary>‖a − b‖ / ‖b‖ over whole tensors.</summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        Tensor a64 = a.to_type(ScalarType.Float64), b64 = b.to_type(ScalarType.Float64);
        return (a64 - b64).norm().item<double>() / b64.norm().item<double>();
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    public static Tensor Ids(params int[] ids) => tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
}
