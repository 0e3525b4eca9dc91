using System.Buffers.Binary;
using System.Text;

namespace Lep.Formats.Gguf;

/// <summary>
/// Writes a GGUF v3 file (little endian): header, metadata key/values, tensor infos, then the tensor data, each tensor
/// at an offset aligned to <c>general.alignment</c> (32 unless that key is set). Tensor bytes are streamed by callbacks
/// one tensor at a time, into a temporary file beside the target that is renamed over it only when everything was
/// written; on any error the temporary file is deleted and the target is left as it was.
/// </summary>
internal sealed class GgufWriter
{
    public const uint Magic = 0x46554747; // "GGUF"
    public const uint Version = 3;
    public const uint DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";

    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly Dictionary<string, int> _metadataIndex = new(StringComparer.Ordinal);
    private readonly List<(GgufTensorInfo Info, Action<Stream> Write)> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata => _metadata;
    public IEnumerable<GgufTensorInfo> Tensors => _tensors.Select(t => t.Info);

    public uint Alignment => _metadataIndex.TryGetValue(AlignmentKey, out int i) ? (uint)_metadata[i].Value.AsInteger() : DefaultAlignment;

    /// <summary>Sets (adds or replaces, keeping the first position) a metadata value.</summary>
    public GgufWriter Set(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key == AlignmentKey)
        {
            if (value.Type != GgufValueType.UInt32) throw new ArgumentException($"{AlignmentKey} must be a UInt32");
            uint a = (uint)value.Value;
            if (a == 0 || (a & (a - 1)) != 0) throw new ArgumentException($"{AlignmentKey} must be a power of two, got {a}");
        }
        if (_metadataIndex.TryGetValue(key, out int i)) _metadata[i] = new(key, value);
        else
        {
            _metadataIndex[key] = _metadata.Count;
            _metadata.Add(new(key, value));
        }
        return this;
    }

    public GgufWriter Set(string key, string value) => Set(key, GgufValue.String(value));
    public GgufWriter Set(string key, uint value) => Set(key, GgufValue.UInt32(value));
    public GgufWriter Set(string key, float value) => Set(key, GgufValue.Float32(value));
    public GgufWriter Set(string key, bool value) => Set(key, GgufValue.Bool(value));

    /// <summary>Adds a tensor. <paramref name="shape"/> is row-major (torch order); <paramref name="write"/> must write exactly its bytes.</summary>
    public GgufWriter AddTensor(string name, GgmlType type, long[] shape, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) >= 64) throw new ArgumentException($"tensor name '{name}' is longer than ggml's 63-byte limit");
        if (!_tensorNames.Add(name)) throw new ArgumentException($"duplicate tensor name '{name}'");
        if (shape.Length is < 1 or > 4) throw new ArgumentException($"tensor '{name}': ggml tensors have 1 to 4 dimensions, got {shape.Length}");
        if (shape.Any(d => d <= 0)) throw new ArgumentException($"tensor '{name}': dimensions must be positive, got [{string.Join(", ", shape)}]");
        _ = type.ByteSize(shape.Aggregate(1L, (a, b) => a * b), shape[^1]); // validates the block size
        _tensors.Add((new GgufTensorInfo(name, type, (long[])shape.Clone(), 0), write));
        return this;
    }

    public GgufWriter AddTensor(string name, float[] data, long[] shape) =>
        AddTensor(name, GgmlType.F32, shape, s => WriteF32(s, data));

    /// <summary>Writes the file. <paramref name="progress"/> receives the fraction of tensor bytes written.</summary>
    public void Write(string path, IProgress<double>? progress = null)
    {
        uint alignment = Alignment;
        var infos = new List<GgufTensorInfo>(_tensors.Count);
        ulong offset = 0;
        foreach (var (info, _) in _tensors)
        {
            infos.Add(info with { Offset = offset });
            offset = Align(offset + (ulong)info.ByteSize, alignment);
        }
        ulong totalBytes = Math.Max(1, offset);

        string full = Path.GetFullPath(path);
        StaleOutputs.Clean(full);
        using var temporary = TemporaryPaths.File(StaleOutputs.Sibling(full, "tmp"));
        string tmp = temporary.Path;
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true); // BinaryWriter is little endian on every platform
                w.Write(Magic);
                w.Write(Version);
                w.Write((ulong)infos.Count);
                w.Write((ulong)_metadata.Count);
                foreach (var (key, value) in _metadata)
                {
                    WriteString(w, key);
                    w.Write((uint)value.Type);
                    WriteValue(w, value);
                }
                foreach (GgufTensorInfo info in infos)
                {
                    WriteString(w, info.Name);
                    w.Write((uint)info.Shape.Length);
                    for (int d = info.Shape.Length - 1; d >= 0; d--) w.Write((ulong)info.Shape[d]);
                    w.Write((uint)info.Type);
                    w.Write(info.Offset);
                }
                w.Flush();
                Pad(stream, alignment);
                long dataStart = stream.Position;
                for (int i = 0; i < infos.Count; i++)
                {
                    long before = stream.Position;
                    if (before - dataStart != (long)infos[i].Offset) throw new InvalidOperationException("GGUF writer lost track of tensor offsets");
                    _tensors[i].Write(stream);
                    long written = stream.Position - before;
                    if (written != infos[i].ByteSize)
                        throw new InvalidOperationException($"tensor '{infos[i].Name}' wrote {written} bytes, expected {infos[i].ByteSize}");
                    Pad(stream, alignment, dataStart);
                    progress?.Report((double)(ulong)(stream.Position - dataStart) / totalBytes);
                }
            }
            FaultPoint.Hold(FaultPoint.TempFileWritten);
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    private static ulong Align(ulong x, uint a) => (x + a - 1) / a * a;

    private static void Pad(Stream s, uint alignment, long origin = 0)
    {
        long rel = s.Position - origin;
        long pad = (long)Align((ulong)rel, alignment) - rel;
        for (long i = 0; i < pad; i++) s.WriteByte(0);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue v)
    {
        if (v.Type == GgufValueType.Array)
        {
            Array a = v.AsArray();
            w.Write((uint)v.ElementType);
            w.Write((ulong)a.Length);
            switch (a)
            {
                case string[] ss: foreach (string s in ss) WriteString(w, s); break;
                case GgufValue[] nested:
                    foreach (GgufValue n in nested)
                    {
                        if (n.Type != GgufValueType.Array) throw new ArgumentException("elements of a nested GGUF array must be arrays");
                        WriteValue(w, n);
                    }
                    break;
                case bool[] bs: foreach (bool b in bs) w.Write((byte)(b ? 1 : 0)); break;
                default:
                    // Primitive arrays: their in-memory bytes are the little-endian encoding on little-endian hosts.
                    if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("GGUF writer needs a little-endian host");
                    var bytes = new byte[Buffer.ByteLength(a)];
                    Buffer.BlockCopy(a, 0, bytes, 0, bytes.Length);
                    w.Write(bytes);
                    break;
            }
            return;
        }
        switch (v.Value)
        {
            case byte x: w.Write(x); break;
            case sbyte x: w.Write(x); break;
            case ushort x: w.Write(x); break;
            case short x: w.Write(x); break;
            case uint x: w.Write(x); break;
            case int x: w.Write(x); break;
            case float x: w.Write(x); break;
            case bool x: w.Write((byte)(x ? 1 : 0)); break;
            case string x: WriteString(w, x); break;
            case ulong x: w.Write(x); break;
            case long x: w.Write(x); break;
            case double x: w.Write(x); break;
            default: throw new ArgumentException($"cannot write GGUF value of CLR type {v.Value.GetType().Name}");
        }
    }

    /// <summary>Writes floats as little-endian F32.</summary>
    public static void WriteF32(Stream s, ReadOnlySpan<float> data)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("GGUF writer needs a little-endian host");
        s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
    }

    /// <summary>Writes floats as little-endian IEEE half (round to nearest even).</summary>
    public static void WriteF16(Stream s, ReadOnlySpan<float> data)
    {
        var buf = new byte[Math.Min(data.Length, 1 << 16) * 2];
        for (int start = 0; start < data.Length; start += buf.Length / 2)
        {
            int n = Math.Min(buf.Length / 2, data.Length - start);
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteHalfLittleEndian(buf.AsSpan(2 * i), (Half)data[start + i]);
            s.Write(buf, 0, 2 * n);
        }
    }
}
