using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Lep.Data;

/// <summary>
/// Streams the documents of a corpus file (plain text with documents separated by an empty line, or .jsonl with a
/// "text" field), reading bytes itself. THE corpus rule, which every corpus consumer gets by reading through here:
/// <list type="bullet">
/// <item>a file where more than <see cref="MaxInvalidShare"/> of the bytes are not valid UTF-8 is not text and is
/// refused when opened, naming the share;</item>
/// <item>below that, invalid bytes are skipped and counted (<see cref="SkippedBytes"/>, <see cref="DamagedLines"/>,
/// <see cref="Warning"/>);</item>
/// <item>documents that hold only whitespace are not documents, and a file without any other is refused as empty when
/// read.</item>
/// </list>
/// </summary>
internal sealed class CorpusReader
{
    /// <summary>The most invalid UTF-8 a corpus may hold, as a share of its bytes: a few stray bytes are damage,
    /// more means the file is not text (a binary, another encoding).</summary>
    public const double MaxInvalidShare = 0.01;

    public string Path { get; }
    /// <summary>Invalid UTF-8 bytes in the file (skipped when read).</summary>
    public long SkippedBytes { get; }
    /// <summary>Lines that hold at least one invalid byte.</summary>
    public long DamagedLines { get; }
    public long Documents { get; private set; }
    public long BytesRead { get; private set; }
    public long Length { get; }

    private static readonly ConcurrentDictionary<(string Path, long Length, long Modified), (long Invalid, long Lines)> Scans = new();

    /// <summary>Opens a corpus file: scans it once for invalid UTF-8 (a scan of an unchanged file is reused) and
    /// refuses it when more than <see cref="MaxInvalidShare"/> of its bytes are invalid.</summary>
    public CorpusReader(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "corpus file not found");
        Path = path;
        var info = new FileInfo(path);
        Length = info.Length;
        (SkippedBytes, DamagedLines) = Scans.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc.Ticks), _ => Scan());
        BytesRead = 0;
        if (Length > 0 && SkippedBytes > MaxInvalidShare * Length)
            throw new LepInputException(path, $"{Share(SkippedBytes)} % of its bytes are not valid UTF-8 ({SkippedBytes.ToString("N0", Inv)} of {Length.ToString("N0", Inv)}): "
                + $"not UTF-8 text (a corpus may hold at most {MaxInvalidShare * 100:0.#} % invalid bytes, which are skipped)");
    }

    /// <summary>The whole corpus rule before any work: opens the file (too much invalid UTF-8 is refused) and reads up to
    /// its first document (a file without text is refused). Returns <see cref="Warning"/>.</summary>
    public static string? Check(string path)
    {
        var reader = new CorpusReader(path);
        _ = reader.Read().Any();
        return reader.Warning;
    }

    /// <summary>The line a command prints when invalid bytes were skipped, or null.</summary>
    public string? Warning => SkippedBytes == 0 ? null
        : $"{Path}: skipped {SkippedBytes.ToString("N0", Inv)} invalid UTF-8 bytes in {DamagedLines.ToString("N0", Inv)} line{(DamagedLines == 1 ? "" : "s")} " +
            $"({Share(SkippedBytes)} % of the file)";

    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    private string Share(long bytes) => (100.0 * bytes / Math.Max(1, Length)).ToString(bytes * 1000 >= Length ? "0.#" : "0.###", Inv);

    private (long Invalid, long Lines) Scan()
    {
        long invalid = 0, lines = 0;
        foreach (ReadOnlyMemory<byte> line in ByteLines())
        {
            if (Utf8.IsValid(line.Span)) continue;
            lines++;
            char[] chars = ArrayPool<char>.Shared.Rent(line.Length);
            invalid += DecodeSkipping(line.Span, chars, out _);
            ArrayPool<char>.Shared.Return(chars);
        }
        return (invalid, lines);
    }

    public IEnumerable<string> Read()
    {
        bool jsonl = Path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        var doc = new StringBuilder();
        long lineNo = 0, documents = 0;
        foreach (ReadOnlyMemory<byte> bytes in ByteLines())
        {
            string line = Decode(bytes.Span);
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
                if (!string.IsNullOrWhiteSpace(text)) { Documents++; documents++; yield return text; }
                continue;
            }
            if (line.Length == 0)
            {
                if (HasText(doc)) { Documents++; documents++; yield return doc.ToString(); }
                doc.Clear();
                continue;
            }
            if (doc.Length > 0) doc.Append('\n');
            doc.Append(line);
        }
        if (HasText(doc)) { Documents++; documents++; yield return doc.ToString(); }
        if (documents == 0) throw new LepInputException(Path, "no text: the corpus is empty or holds only whitespace");
    }

    private static bool HasText(StringBuilder doc)
    {
        foreach (ReadOnlyMemory<char> chunk in doc.GetChunks())
            foreach (char c in chunk.Span)
                if (!char.IsWhiteSpace(c)) return true;
        return false;
    }

    /// <summary>Lines without their terminator (\n or \r\n) and without a leading byte order mark, as bytes.</summary>
    private IEnumerable<ReadOnlyMemory<byte>> ByteLines()
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
                yield return buf.AsMemory(start, end - start);
                start = nl + 1;
            }
            if (eof)
            {
                if (start < filled)
                {
                    int end = filled;
                    while (end > start && buf[end - 1] == '\r') end--;
                    yield return buf.AsMemory(start, end - start);
                }
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

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return "";
        if (Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        char[] chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            DecodeSkipping(bytes, chars, out int written);
            return new string(chars, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Decodes <paramref name="bytes"/> into <paramref name="chars"/> (at least as long), skipping each
    /// invalid byte; returns the bytes skipped.</summary>
    private static long DecodeSkipping(ReadOnlySpan<byte> bytes, Span<char> chars, out int written)
    {
        long skipped = 0;
        written = 0;
        while (bytes.Length > 0)
        {
            var status = Utf8.ToUtf16(bytes, chars[written..], out int read, out int n, replaceInvalidSequences: false, isFinalBlock: true);
            written += n;
            bytes = bytes[read..];
            if (status == OperationStatus.Done) break;
            // InvalidData / NeedMoreData at the end: skip one byte and go on
            if (bytes.Length > 0) { bytes = bytes[1..]; skipped++; }
        }
        return skipped;
    }
}
