using System.Text;
using System.Text.Json;

namespace Lep.Data;

/// <summary>
/// Reads the documents of a corpus file: plain text with documents separated by an empty line (.txt, the layout
/// `lep data build` writes), or JSON lines with a "text" field (.jsonl). Streams; never loads the file whole.
/// </summary>
public static class DocumentReader
{
    public static IEnumerable<string> Read(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "file not found");
        return path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? ReadJsonLines(path) : ReadBlankLineSeparated(path);
    }

    private static IEnumerable<string> ReadBlankLineSeparated(string path)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        var doc = new StringBuilder();
        string? line;
        while ((line = ReadLine(reader, path)) is not null)
        {
            if (line.Length == 0)
            {
                if (doc.Length > 0) yield return doc.ToString();
                doc.Clear();
                continue;
            }
            if (doc.Length > 0) doc.Append('\n');
            doc.Append(line);
        }
        if (doc.Length > 0) yield return doc.ToString();
    }

    private static string? ReadLine(StreamReader reader, string path)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (DecoderFallbackException)
        {
            throw new LepInputException(path, "not valid UTF-8 text");
        }
    }

    private static IEnumerable<string> ReadJsonLines(string path)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        string? line;
        int number = 0;
        while ((line = ReadLine(reader, path)) is not null)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? text;
            try
            {
                using var doc = JsonDocument.Parse(line);
                text = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String
                    ? t.GetString() : null;
            }
            catch (JsonException e)
            {
                throw new LepInputException($"{path}:{number}", $"invalid JSON ({e.Message.Split('\n')[0]})");
            }
            if (text is null) throw new LepInputException($"{path}:{number}", "record has no string field \"text\"");
            if (text.Length > 0) yield return text;
        }
    }
}
