using System.Text;

namespace Lep.Formats.Gguf;

/// <summary>
/// Reads a GGUF file's header: metadata and tensor infos (versions 2 and 3, little endian). Tensor bytes are read on
/// request. Malformed files raise <see cref="LepInputException"/> naming the file and the problem.
/// </summary>
internal sealed class GgufReader
{
    private const int MaxStringBytes = 1 << 30;
    private readonly Dictionary<string, GgufValue> _metadata;

    public string Path { get; }
    public uint Version { get; }
    public IReadOnlyList<KeyValuePair<string, GgufValue>> MetadataList { get; }
    public IReadOnlyDictionary<string, GgufValue> Metadata => _metadata;
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public uint Alignment { get; }
    /// <summary>File offset of the data section.</summary>
    public long DataOffset { get; }
    public long FileLength { get; }

    private GgufReader(string path, uint version, List<KeyValuePair<string, GgufValue>> metadata, List<GgufTensorInfo> tensors,
        uint alignment, long dataOffset, long fileLength)
    {
        Path = path;
        Version = version;
        MetadataList = metadata;
        _metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        foreach (var (k, v) in metadata) _metadata[k] = v;
        Tensors = tensors;
        Alignment = alignment;
        DataOffset = dataOffset;
        FileLength = fileLength;
    }

    public static bool LooksLikeGguf(string path)
    {
        if (!File.Exists(path)) return false;
        using var f = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return f.Read(magic) == 4 && magic.SequenceEqual("GGUF"u8);
    }

    public static GgufReader Open(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "file not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long length = stream.Length;
        var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (length < 24) throw new LepInputException(path, $"truncated GGUF file: {length} bytes");
            uint magic = r.ReadUInt32();
            if (magic != GgufWriter.Magic) throw new LepInputException(path, "not a GGUF file (bad magic)");
            uint version = r.ReadUInt32();
            if (version is not (2 or 3)) throw new LepInputException(path, $"unsupported GGUF version {version} (supported: 2, 3)");
            ulong nTensors = r.ReadUInt64();
            ulong nKv = r.ReadUInt64();
            if (nTensors > (ulong)length || nKv > (ulong)length) throw new LepInputException(path, $"implausible counts: {nTensors} tensors, {nKv} metadata entries");

            var metadata = new List<KeyValuePair<string, GgufValue>>((int)nKv);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (ulong i = 0; i < nKv; i++)
            {
                string key = ReadString(r, path, length);
                if (!seen.Add(key)) throw new LepInputException(path, $"duplicate metadata key '{key}'");
                var type = (GgufValueType)r.ReadUInt32();
                metadata.Add(new(key, ReadValue(r, type, path, length, depth: 0)));
            }
            uint alignment = GgufWriter.DefaultAlignment;
            var alignEntry = metadata.FirstOrDefault(kv => kv.Key == GgufWriter.AlignmentKey);
            if (alignEntry.Value is not null)
            {
                if (alignEntry.Value.Type != GgufValueType.UInt32) throw new LepInputException(path, $"{GgufWriter.AlignmentKey} is {alignEntry.Value.Type}, not UInt32");
                alignment = (uint)alignEntry.Value.Value;
                if (alignment == 0 || (alignment & (alignment - 1)) != 0) throw new LepInputException(path, $"{GgufWriter.AlignmentKey} {alignment} is not a power of two");
            }

            var tensors = new List<GgufTensorInfo>((int)nTensors);
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (ulong i = 0; i < nTensors; i++)
            {
                string name = ReadString(r, path, length);
                if (!names.Add(name)) throw new LepInputException(path, $"duplicate tensor name '{name}'");
                uint nDims = r.ReadUInt32();
                if (nDims is < 1 or > 4) throw new LepInputException(path, $"tensor '{name}': {nDims} dimensions (ggml allows 1 to 4)");
                var shape = new long[nDims];
                for (int d = (int)nDims - 1; d >= 0; d--)
                {
                    ulong dim = r.ReadUInt64();
                    if (dim == 0 || dim > long.MaxValue) throw new LepInputException(path, $"tensor '{name}': invalid dimension {dim}");
                    shape[d] = (long)dim;
                }
                var type = (GgmlType)r.ReadUInt32();
                ulong offset = r.ReadUInt64();
                if (offset % alignment != 0) throw new LepInputException(path, $"tensor '{name}': offset {offset} is not aligned to {alignment}");
                tensors.Add(new GgufTensorInfo(name, type, shape, offset));
            }
            long dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
            foreach (GgufTensorInfo t in tensors)
            {
                if (t.Type.BlockSize() is null) continue; // unknown type: cannot size it, leave it to the consumer
                long end;
                try { end = checked(dataOffset + (long)t.Offset + t.ByteSize); }
                catch (Exception e) when (e is OverflowException or ArgumentException)
                {
                    throw new LepInputException(path, $"tensor '{t.Name}': {t.ShapeText} does not fit type {t.Type} ({e.Message})");
                }
                if (end > length) throw new LepInputException(path, $"tensor '{t.Name}' runs past the end of the file ({end} > {length} bytes): truncated");
            }
            return new GgufReader(path, version, metadata, tensors, alignment, dataOffset, length);
        }
        catch (EndOfStreamException)
        {
            throw new LepInputException(path, "truncated GGUF file (header ends early)");
        }
    }

    private static string ReadString(BinaryReader r, string path, long fileLength)
    {
        ulong n = r.ReadUInt64();
        if (n > MaxStringBytes || (long)n > fileLength - r.BaseStream.Position) throw new LepInputException(path, $"string length {n} runs past the end of the file");
        byte[] bytes = r.ReadBytes((int)n);
        if (bytes.Length != (int)n) throw new EndOfStreamException();
        return Encoding.UTF8.GetString(bytes);
    }

    private static GgufValue ReadValue(BinaryReader r, GgufValueType type, string path, long fileLength, int depth)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return GgufValue.UInt8(r.ReadByte());
            case GgufValueType.Int8: return GgufValue.Int8(r.ReadSByte());
            case GgufValueType.UInt16: return GgufValue.UInt16(r.ReadUInt16());
            case GgufValueType.Int16: return GgufValue.Int16(r.ReadInt16());
            case GgufValueType.UInt32: return GgufValue.UInt32(r.ReadUInt32());
            case GgufValueType.Int32: return GgufValue.Int32(r.ReadInt32());
            case GgufValueType.Float32: return GgufValue.Float32(r.ReadSingle());
            case GgufValueType.Bool:
                byte b = r.ReadByte();
                if (b > 1) throw new LepInputException(path, $"bool value {b} is neither 0 nor 1");
                return GgufValue.Bool(b == 1);
            case GgufValueType.String: return GgufValue.String(ReadString(r, path, fileLength));
            case GgufValueType.UInt64: return GgufValue.UInt64(r.ReadUInt64());
            case GgufValueType.Int64: return GgufValue.Int64(r.ReadInt64());
            case GgufValueType.Float64: return GgufValue.Float64(r.ReadDouble());
            case GgufValueType.Array:
                if (depth > 8) throw new LepInputException(path, "arrays nested too deeply");
                var elem = (GgufValueType)r.ReadUInt32();
                if ((uint)elem > (uint)GgufValueType.Float64) throw new LepInputException(path, $"unknown array element type {(uint)elem}");
                ulong n = r.ReadUInt64();
                if (n > (ulong)fileLength) throw new LepInputException(path, $"array length {n} runs past the end of the file");
                Array a = System.Array.CreateInstance(GgufValue.ClrType(elem), (int)n);
                for (int i = 0; i < (int)n; i++)
                {
                    GgufValue item = ReadValue(r, elem, path, fileLength, depth + 1);
                    a.SetValue(elem == GgufValueType.Array ? item : item.Value, i);
                }
                return GgufValue.Array(elem, a);
            default:
                throw new LepInputException(path, $"unknown metadata value type {(uint)type}");
        }
    }

    public bool TryGet(string key, out GgufValue value) => _metadata.TryGetValue(key, out value!);

    public string? GetString(string key) => _metadata.TryGetValue(key, out var v) && v.Type == GgufValueType.String ? v.AsString() : null;

    public GgufTensorInfo Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new LepInputException(Path, $"no tensor named '{name}'");

    public byte[] ReadTensorBytes(GgufTensorInfo t)
    {
        using var f = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        f.Position = DataOffset + (long)t.Offset;
        var buf = new byte[t.ByteSize];
        f.ReadExactly(buf);
        return buf;
    }

    /// <summary>An F32/F16/BF16/Q8_0 tensor's elements as floats (row-major; Q8_0 dequantized).</summary>
    public float[] ReadTensorFloats(GgufTensorInfo t)
    {
        byte[] b = ReadTensorBytes(t);
        var result = new float[t.ElementCount];
        switch (t.Type)
        {
            case GgmlType.F32: Buffer.BlockCopy(b, 0, result, 0, b.Length); break;
            case GgmlType.F16:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BitConverter.ToHalf(b, 2 * i);
                break;
            case GgmlType.BF16:
                for (int i = 0; i < result.Length; i++) result[i] = BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(b, 2 * i) << 16);
                break;
            case GgmlType.Q8_0: return Q8_0.Dequantize(b);
            default: throw new NotSupportedException($"tensor '{t.Name}' is {t.Type}; only F32/F16/BF16/Q8_0 can be read as floats");
        }
        return result;
    }
}
