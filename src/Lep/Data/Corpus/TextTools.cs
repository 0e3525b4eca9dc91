using System.Text;

namespace Lep.Data.Corpus;

/// <summary>Decoding and small text helpers shared by the converters.</summary>
internal static class TextTools
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Strict UTF-8 first (BOM dropped); old Russian files fall back to KOI8-R or CP1251, the rest to Latin-1.</summary>
    public static string Decode(byte[] bytes, string lang)
    {
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            if (lang == "ru")
            {
                Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
                string koi = Encoding.GetEncoding(20866).GetString(bytes);
                string win = Encoding.GetEncoding(1251).GetString(bytes);
                // KOI8-R text decoded as KOI8-R has mostly lower-case Cyrillic; decoded wrongly it is mostly upper-case.
                return LowerCyrillicShare(koi) >= LowerCyrillicShare(win) ? koi : win;
            }
            return Encoding.Latin1.GetString(bytes);
        }
    }

    private static double LowerCyrillicShare(string s)
    {
        int lower = 0, all = 0;
        foreach (char c in s)
        {
            if (!IsCyrillic(c)) continue;
            all++;
            if (char.IsLower(c)) lower++;
        }
        return all == 0 ? 0 : (double)lower / all;
    }

    public static bool IsCyrillic(char c) => c is >= '\u0400' and <= '\u04FF';

    /// <summary>Trims, turns tabs/odd spaces into spaces, collapses runs of spaces, drops control characters.</summary>
    public static string NormalizeLine(string line)
    {
        var sb = new StringBuilder(line.Length);
        bool space = false;
        foreach (char raw in line)
        {
            char c = raw;
            if (c is '\t' or '\u00A0' or '\u2007' or '\u202F' or '\u3000' or (>= '\u2000' and <= '\u200A')) c = ' ';
            if (c is '\u00AD' or '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF') continue;
            if (c != ' ' && char.IsControl(c)) continue;
            if (c == ' ')
            {
                space = true;
                continue;
            }
            if (space && sb.Length > 0) sb.Append(' ');
            space = false;
            sb.Append(c);
        }
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Splits text into normalised, non-empty lines.</summary>
    public static List<string> Lines(string text)
    {
        var lines = new List<string>();
        foreach (string raw in text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n'))
        {
            string line = NormalizeLine(raw);
            if (line.Length > 0) lines.Add(line);
        }
        return lines;
    }

    public static int CountLetters(string s)
    {
        int n = 0;
        foreach (char c in s)
            if (char.IsLetter(c)) n++;
        return n;
    }
}
