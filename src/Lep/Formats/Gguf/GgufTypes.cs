using System.Text;

namespace Lep.Formats.Gguf;

/// <summary>GGUF metadata value types (gguf.h <c>gguf_type</c>).</summary>
internal enum GgufValueType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>The ggml tensor types this writer produces or the reader recognises by size (ggml.h <c>ggml_type</c>).</summary>
public enum GgmlType : uint
{
    /// <summary>32-bit float.</summary>
    F32 = 0,
    /// <summary>16-bit IEEE float.</summary>
    F16 = 1,
    /// <summary>4-bit blocks of 32 values with an f16 scale.</summary>
    Q4_0 = 2,
    /// <summary>4-bit blocks of 32 values with an f16 scale and minimum.</summary>
    Q4_1 = 3,
    /// <summary>5-bit blocks of 32 values with an f16 scale.</summary>
    Q5_0 = 6,
    /// <summary>5-bit blocks of 32 values with an f16 scale and minimum.</summary>
    Q5_1 = 7,
    /// <summary>8-bit blocks of 32 values with an f16 scale.</summary>
    Q8_0 = 8,
    /// <summary>8-bit blocks of 32 values with a scale and their sum.</summary>
    Q8_1 = 9,
    /// <summary>2-bit k-quant super-blocks of 256 values.</summary>
    Q2_K = 10,
    /// <summary>3-bit k-quant super-blocks of 256 values.</summary>
    Q3_K = 11,
    /// <summary>4-bit k-quant super-blocks of 256 values.</summary>
    Q4_K = 12,
    /// <summary>5-bit k-quant super-blocks of 256 values.</summary>
    Q5_K = 13,
    /// <summary>6-bit k-quant super-blocks of 256 values.</summary>
    Q6_K = 14,
    /// <summary>8-bit k-quant super-blocks of 256 values (ggml's intermediate for k-quant products).</summary>
    Q8_K = 15,
    /// <summary>8-bit signed integer.</summary>
    I8 = 24,
    /// <summary>16-bit signed integer.</summary>
    I16 = 25,
    /// <summary>32-bit signed integer.</summary>
    I32 = 26,
    /// <summary>64-bit signed integer.</summary>
    I64 = 27,
    /// <summary>64-bit float.</summary>
    F64 = 28,
    /// <summary>bfloat16.</summary>
    BF16 = 30,
}

internal static class GgmlTypes
{
    /// <summary>(elements per block, bytes per block), or null for types this code does not size.</summary>
    public static (int Block, int Bytes)? BlockSize(this GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.I32 => (1, 4),
        GgmlType.F16 or GgmlType.BF16 or GgmlType.I16 => (1, 2),
        GgmlType.I8 => (1, 1),
        GgmlType.F64 or GgmlType.I64 => (1, 8),
        GgmlType.Q4_0 => (32, 18),
        GgmlType.Q4_1 => (32, 20),
        GgmlType.Q5_0 => (32, 22),
        GgmlType.Q5_1 => (32, 24),
        GgmlType.Q8_0 => (32, 34),
        GgmlType.Q8_1 => (32, 36),
        GgmlType.Q2_K => (256, 84),
        GgmlType.Q3_K => (256, 110),
        GgmlType.Q4_K => (256, 144),
        GgmlType.Q5_K => (256, 176),
        GgmlType.Q6_K => (256, 210),
        GgmlType.Q8_K => (256, 292),
        _ => null,
    };

    /// <summary>Bytes of a tensor with <paramref name="elements"/> elements whose innermost dimension is <paramref name="rowLength"/>.</summary>
    public static long ByteSize(this GgmlType type, long elements, long rowLength)
    {
        var (block, bytes) = type.BlockSize() ?? throw new NotSupportedException($"ggml type {type} has no known size");
        if (rowLength % block != 0) throw new ArgumentException($"row length {rowLength} is not a multiple of the {type} block size {block}");
        return elements / block * bytes;
    }
}

/// <summary>
/// One GGUF metadata value: a scalar, a string, or an array of one element type (arrays of arrays are allowed by the
/// format and supported here). Scalars are boxed in <see cref="Value"/> with their exact CLR type (uint for UInt32, ...);
/// arrays hold a CLR array of that type (<c>string[]</c>, <c>int[]</c>, <c>float[]</c>, <c>GgufValue[]</c> for nested).
/// </summary>
internal sealed class GgufValue
{
    public GgufValueType Type { get; }
    /// <summary>For arrays: the element type.</summary>
    public GgufValueType ElementType { get; }
    public object Value { get; }

    private GgufValue(GgufValueType type, object value, GgufValueType elementType = default)
    {
        Type = type;
        Value = value;
        ElementType = elementType;
    }

    public static GgufValue UInt8(byte v) => new(GgufValueType.UInt8, v);
    public static GgufValue Int8(sbyte v) => new(GgufValueType.Int8, v);
    public static GgufValue UInt16(ushort v) => new(GgufValueType.UInt16, v);
    public static GgufValue Int16(short v) => new(GgufValueType.Int16, v);
    public static GgufValue UInt32(uint v) => new(GgufValueType.UInt32, v);
    public static GgufValue Int32(int v) => new(GgufValueType.Int32, v);
    public static GgufValue Float32(float v) => new(GgufValueType.Float32, v);
    public static GgufValue Bool(bool v) => new(GgufValueType.Bool, v);
    public static GgufValue String(string v) => new(GgufValueType.String, v ?? throw new ArgumentNullException(nameof(v)));
    public static GgufValue UInt64(ulong v) => new(GgufValueType.UInt64, v);
    public static GgufValue Int64(long v) => new(GgufValueType.Int64, v);
    public static GgufValue Float64(double v) => new(GgufValueType.Float64, v);

    /// <summary>An array; <paramref name="values"/> must be a CLR array of the element type's CLR type.</summary>
    public static GgufValue Array(GgufValueType elementType, System.Array values)
    {
        Type expected = ClrType(elementType);
        if (values.GetType().GetElementType() != expected)
            throw new ArgumentException($"a GGUF {elementType} array needs a {expected.Name}[], got {values.GetType().Name}");
        return new(GgufValueType.Array, values, elementType);
    }

    public static GgufValue Strings(IEnumerable<string> v) => Array(GgufValueType.String, v.ToArray());
    public static GgufValue Int32s(IEnumerable<int> v) => Array(GgufValueType.Int32, v.ToArray());
    public static GgufValue Float32s(IEnumerable<float> v) => Array(GgufValueType.Float32, v.ToArray());

    internal static Type ClrType(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.Array => typeof(GgufValue),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(t), $"unknown GGUF value type {(uint)t}"),
    };

    public System.Array AsArray() => Type == GgufValueType.Array ? (System.Array)Value : throw new InvalidOperationException($"value is {Type}, not an array");
    public T[] AsArray<T>() => (T[])AsArray();
    public string AsString() => (string)Value;

    /// <summary>Any integer scalar as a long.</summary>
    public long AsInteger() => Value switch
    {
        byte b => b,
        sbyte sb => sb,
        ushort us => us,
        short s => s,
        uint u => u,
        int i => i,
        ulong ul => checked((long)ul),
        long l => l,
        _ => throw new InvalidOperationException($"value is {Type}, not an integer"),
    };

    public override string ToString()
    {
        if (Type == GgufValueType.Array)
        {
            var a = AsArray();
            var sb = new StringBuilder($"[{ElementType} × {a.Length}]");
            if (a.Length > 0) sb.Append(' ').Append(string.Join(", ", a.Cast<object>().Take(5).Select(Short))).Append(a.Length > 5 ? ", ..." : "");
            return sb.ToString();
        }
        return Short(Value);
    }

    private static string Short(object o) => o switch
    {
        string s => s.Length > 60 ? $"\"{s[..57]}...\"" : $"\"{s}\"",
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(o, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>A tensor entry of a GGUF file. <see cref="Shape"/> is row-major (outermost first, like torch);
/// GGUF stores the reverse (ggml <c>ne</c>, innermost first). <see cref="Offset"/> is relative to the data section.</summary>
internal sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Shape, ulong Offset)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteSize => Type.ByteSize(ElementCount, Shape.Length == 0 ? 1 : Shape[^1]);
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
