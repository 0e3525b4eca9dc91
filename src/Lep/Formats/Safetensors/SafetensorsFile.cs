using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Lep.Formats.Safetensors;

/// <summary>
/// A memory-mapped safetensors file. Opening reads and validates only the header; tensor bytes are touched lazily
/// when a caller reads them. Validation is strict: header inside the file, JSON well formed, known dtypes,
/// shape × itemsize equal to each byte range, ranges inside the data area, contiguous and non-overlapping.
/// </summary>
internal sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Headers larger than this are rejected as corrupt (HF uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorInfo> _byName;
    private bool _disposed;

    public string Path { get; }
    public long FileLength { get; }
    public IReadOnlyList<TensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, long fileLength, MemoryMappedFile? map, MemoryMappedViewAccessor? view,
        byte* basePtr, long dataStart, List<TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        FileLength = fileLength;
        _map = map;
        _view = view;
        _base = basePtr;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "file not found");
        long length = new FileInfo(path).Length;
        if (length < 8) throw new LepInputException(path, $"truncated safetensors file: {length} bytes, the 8-byte header length is missing");

        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* ptr = null;
        try
        {
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            ptr += view.PointerOffset;
            var (tensors, metadata, dataStart) = ParseHeader(path, new ReadOnlySpan<byte>(ptr, (int)Math.Min(length, int.MaxValue)), length);
            return new SafetensorsFile(path, length, map, view, ptr, dataStart, tensors, metadata);
        }
        catch
        {
            if (ptr != null) view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>Parses and validates a header; <paramref name="fileStart"/> holds at least the header bytes.</summary>
    internal static (List<TensorInfo> Tensors, Dictionary<string, string> Metadata, long DataStart) ParseHeader(
        string path, ReadOnlySpan<byte> fileStart, long fileLength)
    {
        ulong headerLength = MemoryMarshal.Read<ulong>(fileStart);
        if (headerLength > (ulong)(fileLength - 8))
            throw new LepInputException(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes): truncated or not a safetensors file");
        if (headerLength > MaxHeaderBytes)
            throw new LepInputException(path, $"header length {headerLength} exceeds {MaxHeaderBytes} bytes");
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(fileStart.Slice(8, (int)headerLength).ToArray());
        }
        catch (JsonException e)
        {
            throw new LepInputException(path, $"header is not valid JSON ({e.Message.Split('\n')[0]})");
        }

        var tensors = new List<TensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new LepInputException(path, "header JSON is not an object");
            foreach (JsonProperty entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object) throw new LepInputException(path, "__metadata__ is not an object");
                    foreach (JsonProperty m in entry.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw new LepInputException(path, $"__metadata__ value '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                tensors.Add(ParseEntry(path, entry, dataLength));
            }
        }

        ValidateLayout(path, tensors, dataLength);
        return (tensors, metadata, dataStart);
    }

    private static TensorInfo ParseEntry(string path, JsonProperty entry, long dataLength)
    {
        string name = entry.Name;
        JsonElement v = entry.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new LepInputException(path, $"tensor '{name}': entry is not an object");
        if (!v.TryGetProperty("dtype", out JsonElement dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw new LepInputException(path, $"tensor '{name}': missing dtype");
        if (!DTypes.TryParse(dtypeEl.GetString()!, out DType dtype))
            throw new LepInputException(path, $"tensor '{name}': unknown dtype '{dtypeEl.GetString()}'");
        if (!v.TryGetProperty("shape", out JsonElement shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw new LepInputException(path, $"tensor '{name}': missing shape");
        var shape = new long[shapeEl.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw new LepInputException(path, $"tensor '{name}': shape entry {d} is not a non-negative integer");
            shape[i++] = dim;
        }
        if (!v.TryGetProperty("data_offsets", out JsonElement offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw new LepInputException(path, $"tensor '{name}': data_offsets must be [begin, end]");
        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new LepInputException(path, $"tensor '{name}': invalid data_offsets [{offEl[0]}, {offEl[1]}]");
        if (end > dataLength)
            throw new LepInputException(path, $"tensor '{name}': data_offsets [{begin}, {end}] run past the data area ({dataLength} bytes): truncated file");

        long elements = 1;
        foreach (long d in shape)
        {
            elements = checked(elements * d);
        }
        long expected = checked(elements * dtype.ItemSize());
        if (expected != end - begin)
            throw new LepInputException(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] × {dtype} needs {expected} bytes but data_offsets span {end - begin}");
        return new TensorInfo(name, dtype, shape, begin, end - begin);
    }

    private static void ValidateLayout(string path, List<TensorInfo> tensors, long dataLength)
    {
        var sorted = tensors.OrderBy(t => t.Offset).ThenBy(t => t.Length).ToList();
        long cursor = 0;
        foreach (TensorInfo t in sorted)
        {
            if (t.Offset < cursor)
                throw new LepInputException(path, $"tensor '{t.Name}': data_offsets [{t.Offset}, {t.Offset + t.Length}] overlap the previous tensor (which ends at {cursor})");
            if (t.Offset > cursor)
                throw new LepInputException(path, $"tensor '{t.Name}': gap of {t.Offset - cursor} bytes before data_offsets [{t.Offset}, {t.Offset + t.Length}]");
            cursor = t.Offset + t.Length;
        }
        if (cursor != dataLength)
            throw new LepInputException(path, $"data area holds {dataLength} bytes but the tensors cover {cursor}");
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public TensorInfo this[string name] =>
        _byName.TryGetValue(name, out TensorInfo? t) ? t : throw new LepInputException(Path, $"no tensor named '{name}'");

    /// <summary>The tensor's bytes in the mapped file (valid until this file is disposed). Tensors ≥ 2 GiB: use <see cref="Pointer"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(TensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tensor.Length > int.MaxValue) throw new NotSupportedException($"tensor '{tensor.Name}' is {tensor.Length} bytes; read it in chunks via Pointer");
        return new ReadOnlySpan<byte>(_base + _dataStart + tensor.Offset, (int)tensor.Length);
    }

    /// <summary>Pointer to the first byte of a tensor in the mapping.</summary>
    public byte* Pointer(TensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _base + _dataStart + tensor.Offset;
    }

    /// <summary>Copies a tensor's raw bytes into <paramref name="destination"/> (which must be exactly the tensor's length).</summary>
    public void CopyTo(TensorInfo tensor, Span<byte> destination)
    {
        if (destination.Length != tensor.Length) throw new ArgumentException($"destination holds {destination.Length} bytes, tensor '{tensor.Name}' has {tensor.Length}");
        GetBytes(tensor).CopyTo(destination);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view?.SafeMemoryMappedViewHandle.ReleasePointer();
        _view?.Dispose();
        _map?.Dispose();
    }
}
