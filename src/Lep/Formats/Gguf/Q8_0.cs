using System.Buffers.Binary;

namespace Lep.Formats.Gguf;

/// <summary>
/// ggml's Q8_0 block: 32 consecutive values of a row stored as one fp16 scale d = max|x| / 127 followed by 32 int8
/// q = round(x / d) (half away from zero), so x ≈ d·q; 34 bytes per 32 values (8.5 bits per value).
/// </summary>
internal static class Q8_0
{
    public const int BlockValues = 32;
    public const int BlockBytes = 34;

    /// <summary>Quantizes <paramref name="values"/> (a multiple of 32 long) into <paramref name="output"/> (34 bytes per block).</summary>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> output)
    {
        if (values.Length % BlockValues != 0) throw new ArgumentException($"{values.Length} values are not a whole number of {BlockValues}-value blocks");
        if (output.Length < values.Length / BlockValues * BlockBytes) throw new ArgumentException("output too small");
        for (int b = 0; b < values.Length / BlockValues; b++)
        {
            ReadOnlySpan<float> x = values.Slice(b * BlockValues, BlockValues);
            Span<byte> block = output.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float inverse = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            for (int i = 0; i < BlockValues; i++) block[2 + i] = (byte)(sbyte)MathF.Round(x[i] * inverse, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>The values a Q8_0 tensor stands for: d·q per block.</summary>
    public static float[] Dequantize(ReadOnlySpan<byte> data)
    {
        if (data.Length % BlockBytes != 0) throw new ArgumentException($"{data.Length} bytes are not a whole number of {BlockBytes}-byte Q8_0 blocks");
        var result = new float[data.Length / BlockBytes * BlockValues];
        for (int b = 0; b < data.Length / BlockBytes; b++)
        {
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(b * BlockBytes)..]);
            for (int i = 0; i < BlockValues; i++) result[b * BlockValues + i] = d * (sbyte)data[b * BlockBytes + 2 + i];
        }
        return result;
    }
}
