using System.Text;
using Lep.Tokenization;

namespace Lep.Adaptation.Propagation;

/// <summary>
/// How often each new token overlaps each old token when the same text is tokenised both ways, aligned by byte
/// offsets (each token's span is the run of bytes it spells; a dummy-prefix space the tokenizer adds in front is
/// discounted). Documents whose tokens do not spell the text (a normalizer changed it) are skipped and counted.
/// </summary>
internal sealed class Cooccurrence
{
    public Dictionary<int, Dictionary<int, double>> Counts { get; } = new();
    public int Documents { get; private set; }
    public int SkippedDocuments { get; private set; }

    public static Cooccurrence Count(Tokenizer old, Tokenizer @new, IEnumerable<string> documents)
    {
        var result = new Cooccurrence();
        var oldText = new TokenText(old);
        var newText = new TokenText(@new);
        foreach (string doc in documents)
        {
            if (doc.Length == 0) continue;
            byte[] text = Encoding.UTF8.GetBytes(doc);
            var a = Spans(old, oldText, doc, text);
            var b = Spans(@new, newText, doc, text);
            if (a is null || b is null)
            {
                result.SkippedDocuments++;
                continue;
            }
            result.Documents++;
            int j = 0;
            foreach (var (nid, ns, ne) in b)
            {
                if (ne <= ns) continue;
                while (j < a.Count && a[j].End <= ns) j++;
                if (!result.Counts.TryGetValue(nid, out var row)) result.Counts[nid] = row = new Dictionary<int, double>();
                for (int k = j; k < a.Count && a[k].Start < ne; k++)
                {
                    if (a[k].End <= a[k].Start || oldText.IsUnknown(a[k].Id)) continue;
                    row[a[k].Id] = row.GetValueOrDefault(a[k].Id) + 1;
                }
            }
        }
        return result;
    }

    /// <summary>Byte spans of the tokens of <paramref name="doc"/>, relative to its UTF-8 bytes; null when they do not spell it.</summary>
    private static List<(int Id, int Start, int End)>? Spans(Tokenizer t, TokenText spelling, string doc, byte[] text)
    {
        int[] ids = t.Encode(doc, addSpecialTokens: false);
        var bytes = new List<byte[]>(ids.Length);
        long total = 0;
        foreach (int id in ids)
        {
            byte[] b = spelling.Bytes(id) ?? [];
            bytes.Add(b);
            total += b.Length;
        }
        int shift = (int)(total - text.Length);
        if (shift < 0 || shift > 4) return null;
        var spans = new List<(int, int, int)>(ids.Length);
        int pos = -shift, k = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int start = pos, end = pos + bytes[i].Length;
            // Check the spelled bytes against the text (skipping the prefix the tokenizer added).
            for (int x = 0; x < bytes[i].Length; x++, k++)
            {
                int at = start + x;
                if (at >= 0 && bytes[i][x] != text[at]) return null;
            }
            spans.Add((ids[i], Math.Max(0, start), Math.Max(0, end)));
            pos = end;
        }
        return spans;
    }
}
