using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Lep.Data.Corpus;

/// <summary>
/// SWORD zText Bible modules (sword-text-web): per testament, "ot.bzs"/"nt.bzs" list compressed blocks as
/// (offset, size, uncompressed size) u32 triples into "*.bzz" (zlib streams); each block holds the OSIS markup of a
/// book (BlockType=BOOK) or chapter. Text is split into one document per chapter at the OSIS chapter milestones;
/// footnotes and cross references are dropped, titles and paragraphs become lines.
/// </summary>
internal static partial class SwordZText
{
    public static List<(string Chapter, List<string> Lines)> ReadModule(string dataDir)
    {
        var chapters = new List<(string, List<string>)>();
        foreach (string testament in new[] { "ot", "nt" })
        {
            string bzs = Path.Combine(dataDir, testament + ".bzs"), bzz = Path.Combine(dataDir, testament + ".bzz");
            if (!File.Exists(bzs) || !File.Exists(bzz)) continue;
            byte[] index = File.ReadAllBytes(bzs), data = File.ReadAllBytes(bzz);
            for (int b = 0; b + 12 <= index.Length; b += 12)
            {
                uint offset = BinaryPrimitives.ReadUInt32LittleEndian(index.AsSpan(b));
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(index.AsSpan(b + 4));
                if (size == 0) continue;
                if ((long)offset + size > data.Length) throw new LepInputException(bzz, $"block {b / 12} at {offset}+{size} beyond {data.Length} bytes");
                string osis;
                try
                {
                    using var z = new ZLibStream(new MemoryStream(data, (int)offset, (int)size), CompressionMode.Decompress);
                    using var ms = new MemoryStream();
                    z.CopyTo(ms);
                    osis = Encoding.UTF8.GetString(ms.ToArray());
                }
                catch (InvalidDataException e)
                {
                    throw new LepInputException(bzz, $"block {b / 12} is not a zlib stream: {e.Message}");
                }
                chapters.AddRange(SplitChapters(osis));
            }
        }
        return chapters;
    }

    /// <summary>OSIS text → (chapter id, lines), cut at &lt;chapter sID=…/&gt; milestones.</summary>
    public static List<(string Chapter, List<string> Lines)> SplitChapters(string osis)
    {
        osis = NoteRegex().Replace(osis, "");
        var result = new List<(string, List<string>)>();
        string current = "";
        int start = 0;
        foreach (Match m in ChapterRegex().Matches(osis))
        {
            Add(current, osis[start..m.Index]);
            current = m.Groups[1].Value;
            start = m.Index + m.Length;
        }
        Add(current, osis[start..]);
        return result;

        void Add(string id, string markup)
        {
            string text = BreakRegex().Replace(markup, "\n");
            text = TagRegex().Replace(text, "");
            text = WebUtility.HtmlDecode(text);
            List<string> lines = TextTools.Lines(text);
            if (id.Length > 0 && lines.Count > 0) result.Add((id, lines));
        }
    }

    [GeneratedRegex(@"<note\b[^>]*/>|<note\b.*?</note>", RegexOptions.Singleline)]
    private static partial Regex NoteRegex();

    [GeneratedRegex(@"<chapter\b[^>]*?\bsID=""([^""]+)""[^>]*/>")]
    private static partial Regex ChapterRegex();

    [GeneratedRegex(@"<(?:div|title|l|lg|p|lb|milestone type=""line""|q type=""block"")\b[^>]*>|</(?:title|l|p)>")]
    private static partial Regex BreakRegex();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex TagRegex();
}
