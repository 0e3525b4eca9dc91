using Lep.Formats;
using Lep.Formats.Safetensors;
using static TorchSharp.torch;

namespace Lep.Runtime;

/// <summary>Moves tensor bytes between safetensors mappings and torch tensors.</summary>
internal static class TensorBytes
{
    /// <summary>A new CPU tensor with the stored dtype and shape holding a copy of the tensor's bytes.</summary>
    public static Tensor ToTensor(SafetensorsFile file, TensorInfo info) => ToTensor(file, info, 1L << 30);

    /// <summary>Copies in chunks of at most <paramref name="chunkBytes"/> (spans are limited to 2 GiB).</summary>
    internal static unsafe Tensor ToTensor(SafetensorsFile file, TensorInfo info, long chunkBytes)
    {
        Tensor t = empty(info.Shape, dtype: info.DType.ToScalarType());
        if (info.Length == 0) return t;
        if (info.Length <= chunkBytes)
        {
            file.GetBytes(info).CopyTo(t.bytes);
            return t;
        }
        int itemSize = info.DType.ItemSize();
        long perChunk = Math.Max(1, chunkBytes / itemSize);
        using Tensor flat = t.view(-1);
        byte* src = file.Pointer(info);
        for (long start = 0; start < info.ElementCount; start += perChunk)
        {
            long n = Math.Min(perChunk, info.ElementCount - start);
            using Tensor part = flat.narrow(0, start, n);
            new ReadOnlySpan<byte>(src + start * itemSize, checked((int)(n * itemSize))).CopyTo(part.bytes);
        }
        return t;
    }

    /// <summary>A float32 tensor with the stored values (bf16/f16 widened).</summary>
    public static Tensor ToFloat32(SafetensorsFile file, TensorInfo info)
    {
        Tensor raw = ToTensor(file, info);
        if (info.DType == DType.F32) return raw;
        Tensor wide = raw.to_type(ScalarType.Float32);
        raw.Dispose();
        return wide;
    }
}
