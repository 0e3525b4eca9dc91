namespace Lep.Formats;

/// <summary>Element types a checkpoint tensor may be stored in (safetensors names).</summary>
public enum DType
{
    /// <summary>32-bit IEEE float.</summary>
    F32,
    /// <summary>16-bit IEEE float.</summary>
    F16,
    /// <summary>bfloat16: float32's exponent with 7 mantissa bits.</summary>
    BF16,
    /// <summary>64-bit signed integer.</summary>
    I64,
    /// <summary>32-bit signed integer.</summary>
    I32,
    /// <summary>8-bit unsigned integer.</summary>
    U8,
    /// <summary>One byte per boolean.</summary>
    BOOL,
}

internal static class DTypes
{
    public static int ItemSize(this DType dtype) => dtype switch
    {
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 => 2,
        DType.I64 => 8,
        DType.U8 or DType.BOOL => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static string SafetensorsName(this DType dtype) => dtype.ToString();

    public static bool TryParse(string name, out DType dtype)
    {
        switch (name)
        {
            case "F32": dtype = DType.F32; return true;
            case "F16": dtype = DType.F16; return true;
            case "BF16": dtype = DType.BF16; return true;
            case "I64": dtype = DType.I64; return true;
            case "I32": dtype = DType.I32; return true;
            case "U8": dtype = DType.U8; return true;
            case "BOOL": dtype = DType.BOOL; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>Parses a user-facing dtype name (fp32/float32/f32, fp16, bf16).</summary>
    public static DType ParseFloat(string name) => name.ToLowerInvariant() switch
    {
        "f32" or "fp32" or "float32" or "float" => DType.F32,
        "f16" or "fp16" or "float16" or "half" => DType.F16,
        "bf16" or "bfloat16" => DType.BF16,
        _ => throw new ArgumentException($"unknown floating-point dtype '{name}' (expected f32, f16 or bf16)"),
    };

    public static bool IsFloat(this DType dtype) => dtype is DType.F32 or DType.F16 or DType.BF16;

    public static TorchSharp.torch.ScalarType ToScalarType(this DType dtype) => dtype switch
    {
        DType.F32 => TorchSharp.torch.ScalarType.Float32,
        DType.F16 => TorchSharp.torch.ScalarType.Float16,
        DType.BF16 => TorchSharp.torch.ScalarType.BFloat16,
        DType.I64 => TorchSharp.torch.ScalarType.Int64,
        DType.I32 => TorchSharp.torch.ScalarType.Int32,
        DType.U8 => TorchSharp.torch.ScalarType.Byte,
        DType.BOOL => TorchSharp.torch.ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static DType FromScalarType(TorchSharp.torch.ScalarType type) => type switch
    {
        TorchSharp.torch.ScalarType.Float32 => DType.F32,
        TorchSharp.torch.ScalarType.Float16 => DType.F16,
        TorchSharp.torch.ScalarType.BFloat16 => DType.BF16,
        TorchSharp.torch.ScalarType.Int64 => DType.I64,
        TorchSharp.torch.ScalarType.Int32 => DType.I32,
        TorchSharp.torch.ScalarType.Byte => DType.U8,
        TorchSharp.torch.ScalarType.Bool => DType.BOOL,
        _ => throw new NotSupportedException($"tensor type {type} cannot be stored in safetensors here"),
    };
}
