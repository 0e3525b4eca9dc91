namespace Lep.Formats.Safetensors;

/// <summary>One tensor's entry in a safetensors header. <see cref="Offset"/> is relative to the start of the data area.</summary>
internal sealed record TensorInfo(string Name, DType DType, long[] Shape, long Offset, long Length)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
