using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>Boolean attention masks (true = may attend) shaped [B|1, 1, T, S].</summary>
internal static class Masks
{
    /// <summary>T new tokens after <paramref name="past"/> cached ones: token i sees the prefix and new tokens ≤ i.</summary>
    public static Tensor CausalWithPrefix(long t, long past, Device device)
    {
        using var scope = NewDisposeScope();
        Tensor rows = arange(t, device: device).unsqueeze(1) + past;
        Tensor cols = arange(past + t, device: device).unsqueeze(0);
        return (cols <= rows).unsqueeze(0).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Block-diagonal causal mask for packed documents: <paramref name="documentIds"/> [B, T] numbers each token's
    /// document; a token sees only earlier tokens of its own document.
    /// </summary>
    public static Tensor PackedDocuments(Tensor documentIds)
    {
        using var scope = NewDisposeScope();
        long t = documentIds.shape[1];
        Tensor same = documentIds.unsqueeze(2).eq(documentIds.unsqueeze(1));
        Tensor causal = ones(t, t, dtype: ScalarType.Bool, device: documentIds.device).tril();
        return (same & causal).unsqueeze(1).MoveToOuterDisposeScope();
    }
}
