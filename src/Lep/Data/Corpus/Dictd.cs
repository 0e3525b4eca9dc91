using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Lep.Data.Corpus;

/// <summary>
/// dictd dictionaries: NAME.index ("headword\tb64offset\tb64length", dictd's base64 digits) over NAME.dict or the
/// dictzip NAME.dict.dz (a gzip member with a random-access table in FEXTRA; GZipStream reads it as plain gzip).
/// </summary>
internal static partial class Dictd
{
    private const string B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static byte[] ReadDictZip(string path)
    {
        try
        {
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return ms.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new LepInputException(path, $"not a gzip/dictzip file: {e.Message}");
        }
    }

    public static long DecodeNumber(string s, string path)
    {
        long n = 0;
        foreach (char c in s)
        {
            int d = B64.IndexOf(c);
            if (d < 0) throw new LepInputException(path, $"bad dictd index number '{s}'");
            n = n * 64 + d;
        }
        return n;
    }

    /// <summary>Entries (headword, article text) in index order.</summary>
    public static List<(string Headword, string Article)> ReadEntries(string indexPath, string dictPath)
    {
        byte[] dict = dictPath.EndsWith(".dz", StringComparison.Ordinal) ? ReadDictZip(dictPath) : File.ReadAllBytes(dictPath);
        var entries = new List<(string, string)>();
        foreach (string line in File.ReadAllLines(indexPath, Encoding.UTF8))
        {
            string[] f = line.Split('\t');
            if (f.Length < 3) continue;
            if (f[0].StartsWith("00database", StringComparison.Ordinal) || f[0].StartsWith("00-database", StringComparison.Ordinal)) continue;
            long offset = DecodeNumber(f[1], indexPath), length = DecodeNumber(f[2], indexPath);
            if (offset + length > dict.Length) throw new LepInputException(indexPath, $"entry '{f[0]}' points past the end of {Path.GetFileName(dictPath)}");
            entries.Add((f[0], Encoding.UTF8.GetString(dict, (int)offset, (int)length)));
        }
        return entries;
    }

    /// <summary>
    /// Single-word Russian translations of a single-word English headword from an article in the Mueller or FreeDict
    /// layout: the first line repeats the headword (+ transcription); senses are numbered, separated by ';' or ','
    /// and carry labels such as "_n." or "_воен.". Returns at most <paramref name="max"/> words in order.
    /// </summary>
    public static List<string> SingleWordTranslations(string headword, string article, int max = 3)
    {
        var result = new List<string>();
        if (!EnglishWordRegex().IsMatch(headword)) return result;
        string body = article.Replace("\r", "");
        int firstNewline = body.IndexOf('\n');
        string first = firstNewline < 0 ? body : body[..firstNewline];
        if (first.Trim().StartsWith(headword, StringComparison.OrdinalIgnoreCase)) body = firstNewline < 0 ? "" : body[(firstNewline + 1)..];
        body = BracketsRegex().Replace(body, " ");
        body = LabelRegex().Replace(body, " ");
        body = NumberingRegex().Replace(body, ";");
        foreach (string fragment in body.Split([';', ',', '\n', ':']))
        {
            string word = fragment.Trim().TrimEnd('.', '!', '?');
            if (!RussianWordRegex().IsMatch(word)) continue;
            if (char.IsLower(headword[0])) word = word.ToLowerInvariant();
            if (!result.Contains(word)) result.Add(word);
            if (result.Count >= max) break;
        }
        return result;
    }

    [GeneratedRegex(@"^[A-Za-z][a-z]+$")]
    public static partial Regex EnglishWordRegex();

    [GeneratedRegex(@"^[А-ЯЁа-яё][а-яё]+$")]
    public static partial Regex RussianWordRegex();

    [GeneratedRegex(@"\[[^\]\n]*\]|\([^)\n]*\)|/[^/\n]*/|\{[^}\n]*\}|<[^>\n]*>")]
    private static partial Regex BracketsRegex();

    [GeneratedRegex(@"_[^\s.]+\.?")]
    private static partial Regex LabelRegex();

    [GeneratedRegex(@"(?m)(^|\s)\d+[.)>]|\b[а-яa-z]\)")]
    private static partial Regex NumberingRegex();
}
