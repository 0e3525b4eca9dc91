using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Lep.Data.Corpus;

/// <summary>
/// Man pages → text: `groff -k -Tutf8 -man | col -bx` with a very long line length (one paragraph per line, no
/// hyphenation, no page breaks) where groff exists; otherwise a small roff stripper that keeps the prose.
/// </summary>
internal static partial class ManPages
{
    /// <summary>Reads a man page file, gunzipping *.gz.</summary>
    public static byte[] ReadSource(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        return bytes;
    }

    /// <summary>A page that only includes another (".so man3/foo.3") has no text of its own.</summary>
    public static bool IsRedirect(string roff)
    {
        foreach (string raw in roff.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(".\\\"", StringComparison.Ordinal) || line.StartsWith("'\\\"", StringComparison.Ordinal)) continue;
            return line.StartsWith(".so ", StringComparison.Ordinal);
        }
        return true;
    }

    /// <summary>Renders with groff; returns the lines without the running header and footer.</summary>
    public static List<string> RenderWithGroff(string roff, string groff, string col)
    {
        string text = Pipe(groff, ["-k", "-Tutf8", "-man", "-rLL=3000n", "-rHY=0", "-rcR=1", "-P-c"], Encoding.UTF8.GetBytes(roff));
        if (col.Length > 0) text = Pipe(col, ["-bx"], Encoding.UTF8.GetBytes(text));
        text = StripOverstrike(text);
        List<string> lines = TextTools.Lines(text);
        // groff prints "NAME(1)  title  NAME(1)" first and "source  date  NAME(1)" last.
        if (lines.Count >= 2)
        {
            lines.RemoveAt(lines.Count - 1);
            lines.RemoveAt(0);
        }
        return lines;
    }

    private static string StripOverstrike(string text) => text.Contains('\b') ? OverstrikeRegex().Replace(text, "") : text;

    private static string Pipe(string program, string[] args, byte[] input)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C.UTF-8";
        using var p = Process.Start(psi)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(input);
        p.StandardInput.Close();
        p.WaitForExit();
        _ = error.Result;
        return output.Result;
    }

    private static readonly (string, string)[] Escapes =
    [
        ("\\-", "-"), ("\\(em", "—"), ("\\(en", "–"), ("\\(hy", "-"), ("\\(lq", "“"), ("\\(rq", "”"), ("\\(oq", "‘"),
        ("\\(cq", "’"), ("\\(aq", "'"), ("\\(dq", "\""), ("\\(bu", "•"), ("\\(co", "©"), ("\\(rg", "®"), ("\\(tm", "™"),
        ("\\(<=", "≤"), ("\\(>=", "≥"), ("\\(mu", "×"), ("\\(Fo", "«"), ("\\(Fc", "»"), ("\\[Fo]", "«"), ("\\[Fc]", "»"),
        ("\\[em]", "—"), ("\\[en]", "–"), ("\\[lq]", "“"), ("\\[rq]", "”"), ("\\[aq]", "'"), ("\\[bu]", "•"),
        ("\\e", "\\"), ("\\&", ""), ("\\:", ""), ("\\%", ""), ("\\/", ""), ("\\,", ""), ("\\^", ""), ("\\|", ""),
        ("\\ ", " "), ("\\~", " "), ("\\0", " "), ("\\c", ""),
    ];

    /// <summary>
    /// Fallback without groff: requests (".SH", ".B", ".TP", …) become text or paragraph breaks, font and other
    /// escapes are removed, and filled text is joined into one line per paragraph.
    /// </summary>
    public static List<string> StripRoff(string roff)
    {
        var lines = new List<string>();
        var paragraph = new StringBuilder();
        bool noFill = false;
        foreach (string raw in roff.Replace("\r\n", "\n").Split('\n'))
        {
            string line = CommentRegex().Replace(raw, "");
            if (line.StartsWith('.') || line.StartsWith('\''))
            {
                Match m = RequestRegex().Match(line);
                string request = m.Success ? m.Groups[1].Value : "";
                string args = m.Success ? m.Groups[2].Value.Trim() : "";
                switch (request)
                {
                    case "SH" or "SS":
                        Flush();
                        AddLine(Escape(Unquote(args)));
                        break;
                    case "B" or "I" or "SM" or "SB":
                        Append(Unquote(args));
                        break;
                    case "BR" or "BI" or "IB" or "IR" or "RB" or "RI":
                        Append(string.Concat(SplitArgs(args)));
                        break;
                    case "PP" or "LP" or "P" or "TP" or "IP" or "HP" or "br" or "sp" or "RS" or "RE" or "TQ":
                        Flush();
                        if (request == "IP" && args.Length > 0)
                        {
                            string tag = SplitArgs(args).FirstOrDefault() ?? "";
                            if (tag.Length > 0) Append(tag);
                        }
                        break;
                    case "nf" or "EX":
                        Flush();
                        noFill = true;
                        break;
                    case "fi" or "EE":
                        Flush();
                        noFill = false;
                        break;
                    case "UR" or "MT" or "UE" or "ME" or "TH" or "so" or "ft" or "ad" or "na" or "ne" or "in" or "ti" or "ds" or "de" or "nr"
                        or "if" or "ie" or "el" or "ll" or "hy" or "nh" or "ps" or "vs" or "ta" or "PD" or "DT" or "TS" or "TE" or "..":
                        break;
                }
                continue;
            }
            Append(line);
            if (noFill) Flush();
        }
        Flush();
        return lines;

        void Append(string text)
        {
            text = Escape(text);
            if (text.Length == 0) return;
            if (paragraph.Length > 0) paragraph.Append(' ');
            paragraph.Append(text);
        }

        void Flush()
        {
            AddLine(paragraph.ToString());
            paragraph.Clear();
        }

        void AddLine(string text)
        {
            string line = TextTools.NormalizeLine(text);
            if (line.Length > 0) lines.Add(line);
        }
    }

    private static string Escape(string text)
    {
        if (!text.Contains('\\')) return text;
        text = FontRegex().Replace(text, "");
        foreach ((string from, string to) in Escapes) text = text.Replace(from, to);
        text = OtherEscapeRegex().Replace(text, "");
        return text.Replace("\\\\", "\\");
    }

    private static string Unquote(string s) => string.Join(' ', SplitArgs(s));

    private static List<string> SplitArgs(string s)
    {
        var args = new List<string>();
        foreach (Match m in ArgRegex().Matches(s)) args.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
        return args;
    }

    [GeneratedRegex(@"\\"".*$")]
    private static partial Regex CommentRegex();

    [GeneratedRegex(@"^[.'][ \t]*(\S+)(.*)$")]
    private static partial Regex RequestRegex();

    [GeneratedRegex(@"\\f(\[[^\]]*\]|\(..|.)")]
    private static partial Regex FontRegex();

    [GeneratedRegex(@"\\(\*\[[^\]]*\]|\*\(..|\*.|s[-+]?\d+|[hvwlLxzkoDbNnY](?:'[^']*'|\[[^\]]*\]|\(..|.)|\(..|\[[^\]]*\])")]
    private static partial Regex OtherEscapeRegex();

    [GeneratedRegex("\"([^\"]*)\"|(\\S+)")]
    private static partial Regex ArgRegex();

    [GeneratedRegex(".\b")]
    private static partial Regex OverstrikeRegex();
}
