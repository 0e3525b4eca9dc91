using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Lep.Data;

/// <summary>
/// Streams the documents of a corpus file (plain text with documents
/// separated by an empty line, or .jsonl with a "text" field) but reads bytes itself: invalid UTF-8 bytes are
/// skipped and counted in <see cref="SkippedBytes"/>, never an error.
/// </summary>
public sealed class CorpusReader
{
    public string Path { get; }
    /// <summary>Invalid UTF-8 bytes skipped so far.</summary>
    public long SkippedBytes { get; private set; }
    /// <summary>Lines that held at least one invalid byte.</summary>
    public long DamagedLines { get; private set; }
    public long Documents { get; private set; }
    public long BytesRead { get; private set; }
    public long Length { get; }

    public CorpusReader(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "corpus file not found");
        Path = path;
        Length = new FileInfo(path).Length;
    }

    public IEnumerable<string> Read()
    {
        bool jsonl = Path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        var doc = new StringBuilder();
        long lineNo = 0;
        foreach (var line in Lines())
        {
            lineNo++;
            if (jsonl)
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                string? text;
                JsonLine.RequireUnicodeStrings(line, $"{Path}:{lineNo}");
                try
                {
                    using var d = JsonDocument.Parse(line);
                    text = d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String
                        ? t.GetString() : null;
                }
                catch (JsonException e)
                {
                    throw new LepInputException($"{Path}:{lineNo}", $"invalid JSON ({e.Message.Split('\n')[0]})");
                }
                if (text is null) throw new LepInputException($"{Path}:{lineNo}", "record has no string field \"text\"");
                if (text.Length > 0) { Documents++; yield return text; }
                continue;
            }
            if (line.Length == 0)
            {
                if (doc.Length > 0) { Documents++; yield return doc.ToString(); }
                doc.Clear();
                continue;
            }
            if (doc.Length > 0) doc.Append('\n');
            doc.Append(line);
        }
        if (doc.Length > 0) { Documents++; yield return doc.ToString(); }
    }

    /// <summary>Lines without their terminator (\n or \r\n), invalid UTF-8 dropped.</summary>
    private IEnumerable<string> Lines()
    {
        using var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buf = new byte[1 << 20];
        int filled = 0;
        bool eof = false;
        bool first = true;
        while (true)
        {
            if (!eof && filled < buf.Length)
            {
                int n = fs.Read(buf, filled, buf.Length - filled);
                if (n == 0) eof = true;
                filled += n;
                BytesRead += n;
            }
            int start = 0;
            if (first && filled >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) start = 3;
            first = false;
            while (true)
            {
                int nl = Array.IndexOf(buf, (byte)'\n', start, filled - start);
                if (nl < 0) break;
                int end = nl > start && buf[nl - 1] == '\r' ? nl - 1 : nl;
                yield return Decode(buf.AsSpan(start, end - start));
                start = nl + 1;
            }
            if (eof)
            {
                if (start < filled) yield return Decode(buf.AsSpan(start, filled - start).TrimEnd((byte)'\r'));
                yield break;
            }
            if (start == 0 && filled == buf.Length) Array.Resize(ref buf, buf.Length * 2); // a very long line
            else
            {
                Buffer.BlockCopy(buf, start, buf, 0, filled - start);
                filled -= start;
            }
        }
    }

    private string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return "";
        if (Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        DamagedLines++;
        var chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            int total = 0;
            while (bytes.Length > 0)
            {
                var status = Utf8.ToUtf16(bytes, chars.AsSpan(total), out int read, out int written, replaceInvalidSequences: false, isFinalBlock: true);
                total += written;
                bytes = bytes[read..];
                if (status == System.Buffers.OperationStatus.Done) break;
                // InvalidData / NeedMoreData at the end: skip one byte and go on
                if (bytes.Length > 0) { bytes = bytes[1..]; SkippedBytes++; }
            }
            return new string(chars, 0, total);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
