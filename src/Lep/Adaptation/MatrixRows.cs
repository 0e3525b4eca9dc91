using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Microsoft.Win32.SafeHandles;

namespace Lep.Adaptation;

/// <summary>
/// Reads rows of a 2-D checkpoint tensor (f32/f16/bf16) with positioned reads (pread) into caller buffers, widened to
/// float or double. Unlike touching the memory map, nothing stays resident in the process: a 16 GB model streams
/// through a few MB of buffers, and peak RSS stays what the caller allocates.
/// </summary>
internal sealed class MatrixRows : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _start;
    private byte[] _buffer = new byte[1 << 20];

    public string Name { get; }
    public DType DType { get; }
    public long Rows { get; }
    public int Columns { get; }
    private int RowBytes => Columns * DType.ItemSize();

    /// <param name="flatten">view a tensor of any rank as rows of its last dimension (a vector is one row)</param>
    public MatrixRows(CheckpointReader checkpoint, string name, bool flatten = false)
    {
        TensorInfo info = checkpoint.Info(name);
        SafetensorsFile file = checkpoint.FileOf(name);
        if (info.Shape.Length != 2 && !flatten) throw new LepInputException(file.Path, $"tensor '{name}' has shape {info.ShapeText}, expected a matrix");
        if (!info.DType.IsFloat()) throw new LepInputException(file.Path, $"tensor '{name}' is {info.DType}, expected f32, f16 or bf16");
        Name = name;
        DType = info.DType;
        Columns = info.Shape.Length == 0 ? 1 : checked((int)info.Shape[^1]);
        Rows = Columns == 0 ? 0 : info.Shape.Aggregate(1L, (a, b) => a * b) / Columns;
        _handle = File.OpenHandle(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        _start = DataStart(_handle) + info.Offset;
    }

    /// <summary>Start of a safetensors file's data area: 8 + the header length stored in its first 8 bytes.</summary>
    public static long DataStart(SafeFileHandle handle)
    {
        Span<byte> head = stackalloc byte[8];
        if (RandomAccess.Read(handle, head, 0) != 8) throw new IOException("truncated safetensors file");
        return 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(head);
    }

    private ReadOnlySpan<byte> ReadRaw(long row, int count)
    {
        if (row < 0 || row + count > Rows) throw new ArgumentOutOfRangeException(nameof(row), $"rows {row}..{row + count} of {Name} ({Rows} rows)");
        int bytes = checked(count * RowBytes);
        if (_buffer.Length < bytes) _buffer = new byte[bytes];
        long offset = _start + row * RowBytes;
        int done = 0;
        while (done < bytes)
        {
            int n = RandomAccess.Read(_handle, _buffer.AsSpan(done, bytes - done), offset + done);
            if (n <= 0) throw new IOException($"{Name}: unexpected end of file");
            done += n;
        }
        return _buffer.AsSpan(0, bytes);
    }

    /// <summary>Rows [row, row + count) into <paramref name="destination"/> (count × Columns floats).</summary>
    public void Read(long row, int count, Span<float> destination) => Widen(ReadRaw(row, count), DType, destination[..(count * Columns)]);

    public void Read(long row, int count, Span<double> destination) => Widen(ReadRaw(row, count), DType, destination[..(count * Columns)]);

    /// <summary>Raw stored bytes of rows [row, row + count) (valid until the next read).</summary>
    public ReadOnlySpan<byte> ReadBytes(long row, int count) => ReadRaw(row, count);

    /// <summary>Reads the given rows (any order, repeats allowed) into consecutive slots of <paramref name="destination"/>,
    /// coalescing runs of consecutive ids into one read.</summary>
    public void Gather(ReadOnlySpan<int> ids, Span<double> destination)
    {
        int i = 0;
        while (i < ids.Length)
        {
            int j = i + 1;
            while (j < ids.Length && ids[j] == ids[j - 1] + 1 && j - i < 256) j++;
            Read(ids[i], j - i, destination.Slice(i * Columns, (j - i) * Columns));
            i = j;
        }
    }

    public static void Widen(ReadOnlySpan<byte> raw, DType dtype, Span<float> dst)
    {
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(dst);
                break;
            case DType.BF16:
            {
                ReadOnlySpan<ushort> src = MemoryMarshal.Cast<byte, ushort>(raw);
                Span<uint> d = MemoryMarshal.Cast<float, uint>(dst);
                for (int i = 0; i < src.Length; i++) d[i] = (uint)src[i] << 16;
                break;
            }
            case DType.F16:
            {
                ReadOnlySpan<Half> src = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < src.Length; i++) dst[i] = (float)src[i];
                break;
            }
            default: throw new NotSupportedException(dtype.ToString());
        }
    }

    public static void Widen(ReadOnlySpan<byte> raw, DType dtype, Span<double> dst)
    {
        switch (dtype)
        {
            case DType.F32:
            {
                ReadOnlySpan<float> src = MemoryMarshal.Cast<byte, float>(raw);
                for (int i = 0; i < src.Length; i++) dst[i] = src[i];
                break;
            }
            case DType.BF16:
            {
                ReadOnlySpan<ushort> src = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < src.Length; i++) dst[i] = BitConverter.UInt32BitsToSingle((uint)src[i] << 16);
                break;
            }
            case DType.F16:
            {
                ReadOnlySpan<Half> src = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < src.Length; i++) dst[i] = (double)src[i];
                break;
            }
            default: throw new NotSupportedException(dtype.ToString());
        }
    }

    /// <summary>Stores floats in <paramref name="dtype"/> (bf16 rounds to nearest even, like torch).</summary>
    public static void Narrow(ReadOnlySpan<float> src, DType dtype, Span<byte> dst)
    {
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.AsBytes(src).CopyTo(dst);
                break;
            case DType.BF16:
            {
                Span<ushort> d = MemoryMarshal.Cast<byte, ushort>(dst);
                for (int i = 0; i < src.Length; i++) d[i] = ToBFloat16(src[i]);
                break;
            }
            case DType.F16:
            {
                Span<Half> d = MemoryMarshal.Cast<byte, Half>(dst);
                for (int i = 0; i < src.Length; i++) d[i] = (Half)src[i];
                break;
            }
            default: throw new NotSupportedException(dtype.ToString());
        }
    }

    /// <summary>Stores doubles in <paramref name="dtype"/>, rounded to float first (as torch does for bf16/f16).</summary>
    public static void Narrow(ReadOnlySpan<double> src, DType dtype, Span<byte> dst)
    {
        float[] floats = new float[src.Length];
        for (int i = 0; i < src.Length; i++) floats[i] = (float)src[i];
        Narrow(floats, dtype, dst);
    }

    public static ushort ToBFloat16(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if ((bits & 0x7fffffff) > 0x7f800000) return (ushort)((bits >> 16) | 0x40); // NaN stays NaN
        uint rounding = 0x7fff + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>Streams a checkpoint tensor's stored bytes into a stream with positioned reads (nothing stays resident).</summary>
internal static class TensorCopy
{
    public static void CopyBytes(CheckpointReader checkpoint, string name, Stream destination)
    {
        TensorInfo info = checkpoint.Info(name);
        using SafeFileHandle handle = File.OpenHandle(checkpoint.FileOf(name).Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        long start = MatrixRows.DataStart(handle) + info.Offset;
        byte[] buffer = new byte[Math.Min(info.Length, 8L << 20)];
        for (long done = 0; done < info.Length;)
        {
            int want = (int)Math.Min(buffer.Length, info.Length - done);
            int n = RandomAccess.Read(handle, buffer.AsSpan(0, want), start + done);
            if (n <= 0) throw new IOException($"{checkpoint.FileOf(name).Path}: unexpected end of file in '{name}'");
            destination.Write(buffer, 0, n);
            done += n;
        }
    }

    /// <summary>A checkpoint's tensor names in file order (shard by shard, by offset), to keep its layout in an output.</summary>
    public static IEnumerable<string> FileOrder(CheckpointReader r) =>
        r.Files.SelectMany(f => f.Tensors.OrderBy(t => t.Offset).Select(t => t.Name)).Where(r.Contains).Distinct();

    public static PendingTensor Pending(CheckpointReader checkpoint, string name)
    {
        TensorInfo info = checkpoint.Info(name);
        return new PendingTensor(name, info.DType, info.Shape, s => CopyBytes(checkpoint, name, s));
    }
}
