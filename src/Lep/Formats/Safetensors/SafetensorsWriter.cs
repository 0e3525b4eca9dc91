using System.Text.Json;
using TorchSharp;

namespace Lep.Formats.Safetensors;

/// <summary>A tensor to be written: its header entry plus a callback that streams exactly its bytes.</summary>
internal sealed record PendingTensor(string Name, DType DType, long[] Shape, Action<Stream> WriteData)
{
    public long ByteLength => Shape.Aggregate(1L, (a, b) => a * b) * DType.ItemSize();

    public static PendingTensor FromBytes(string name, DType dtype, long[] shape, byte[] data) =>
        new(name, dtype, shape, s => s.Write(data));

    /// <summary>Writes a torch tensor, converted to <paramref name="dtype"/> (its own type when null), made contiguous on the CPU.</summary>
    public static PendingTensor FromTorch(string name, torch.Tensor tensor, DType? dtype = null)
    {
        DType target = dtype ?? DTypes.FromScalarType(tensor.dtype);
        return new(name, target, tensor.shape, s =>
        {
            using var scope = torch.NewDisposeScope();
            torch.Tensor cpu = tensor.detach().to(torch.CPU).to_type(target.ToScalarType()).contiguous();
            s.Write(cpu.bytes);
        });
    }
}

/// <summary>
/// Streams tensors into a safetensors file: the header (8-byte aligned, with <c>{"format":"pt"}</c> metadata) is
/// written from the planned entries, then each tensor's bytes one after another, into a temporary file that is
/// renamed over the target only when everything was written.
/// </summary>
internal static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<PendingTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (PendingTensor t in tensors)
        {
            if (!seen.Add(t.Name)) throw new ArgumentException($"duplicate tensor name '{t.Name}'");
            if (t.Name == "__metadata__") throw new ArgumentException("'__metadata__' is not a valid tensor name");
        }

        byte[] header = BuildHeader(tensors, metadata ?? new Dictionary<string, string> { ["format"] = "pt" });
        using var temporary = TemporaryPaths.File(StaleOutputs.Sibling(Path.GetFullPath(path), "tmp"));
        string tmp = temporary.Path;
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                stream.Write(BitConverter.GetBytes((ulong)header.Length));
                stream.Write(header);
                foreach (PendingTensor t in tensors)
                {
                    long before = stream.Position;
                    t.WriteData(stream);
                    long written = stream.Position - before;
                    if (written != t.ByteLength)
                        throw new InvalidOperationException($"tensor '{t.Name}' wrote {written} bytes, expected {t.ByteLength}");
                }
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<PendingTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (PendingTensor t in tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.SafetensorsName());
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += t.ByteLength;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
