namespace Lep.Data.Corpus;

/// <summary>fortune(6) cookie files: entries separated by a line holding only '%'.</summary>
internal static class Fortunes
{
    public static List<List<string>> Split(string text)
    {
        var result = new List<List<string>>();
        var current = new List<string>();
        foreach (string raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.TrimEnd() == "%")
            {
                Flush();
                continue;
            }
            string line = TextTools.NormalizeLine(raw);
            if (line.Length > 0) current.Add(line);
        }
        Flush();
        return result;

        void Flush()
        {
            if (current.Count > 0) result.Add(current);
            current = [];
        }
    }

    /// <summary>A cookie file is a regular file with a strfile index "NAME.dat" beside it.</summary>
    public static bool IsCookieFile(string path) =>
        !path.EndsWith(".dat", StringComparison.Ordinal) && File.Exists(path + ".dat")
        && !new FileInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint);
}
