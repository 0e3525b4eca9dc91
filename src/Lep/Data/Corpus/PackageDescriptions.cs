using System.Text;

namespace Lep.Data.Corpus;

/// <summary>
/// Debian package descriptions from apt's Translation-LANG index files (deb822 stanzas with "Package",
/// "Description-md5" and "Description-LANG": a synopsis line, then a long description whose lines start with a space
/// and where " ." is an empty line).
/// </summary>
internal static class PackageDescriptions
{
    public sealed record Entry(string Package, string Md5, List<string> Lines);

    public static List<Entry> Parse(string text, string lang)
    {
        var entries = new List<Entry>();
        string field = "Description-" + lang + ":";
        string? package = null, md5 = null;
        List<string>? lines = null;
        bool inDescription = false;
        foreach (string raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.Length == 0)
            {
                Flush();
                continue;
            }
            if (raw[0] is ' ' or '\t')
            {
                if (!inDescription || lines is null) continue;
                string body = raw.Trim();
                if (body == ".") continue;
                lines.Add(body);
                continue;
            }
            inDescription = false;
            if (raw.StartsWith("Package:", StringComparison.Ordinal)) package = raw[8..].Trim();
            else if (raw.StartsWith("Description-md5:", StringComparison.Ordinal)) md5 = raw[16..].Trim();
            else if (raw.StartsWith(field, StringComparison.Ordinal))
            {
                inDescription = true;
                lines = [];
                string synopsis = raw[field.Length..].Trim();
                if (synopsis.Length > 0) lines.Add(synopsis);
            }
        }
        Flush();
        return entries;

        void Flush()
        {
            if (package is not null && lines is { Count: > 0 }) entries.Add(new Entry(package, md5 ?? "", lines));
            package = md5 = null;
            lines = null;
            inDescription = false;
        }
    }

    /// <summary>One document per description: "package: synopsis" then the long description's lines.</summary>
    public static List<string> ToDocument(Entry e)
    {
        var lines = new List<string> { $"{e.Package}: {e.Lines[0]}" };
        lines.AddRange(e.Lines.Skip(1));
        return lines;
    }

    public static string ReadIndexFile(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gz = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        return Encoding.UTF8.GetString(bytes);
    }
}
