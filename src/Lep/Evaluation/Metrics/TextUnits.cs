using System.Text;

namespace Lep.Evaluation.Metrics;

/// <summary>How text is counted: characters are Unicode scalar values (what Python's len() counts), bytes are UTF-8.</summary>
internal static class TextUnits
{
    public static int Characters(string text)
    {
        int n = 0;
        foreach (Rune _ in text.EnumerateRunes()) n++;
        return n;
    }

    public static int Bytes(string text) => Encoding.UTF8.GetByteCount(text);

    /// <summary>The text as code points (so n-grams never split a surrogate pair).</summary>
    public static int[] CodePoints(string text)
    {
        var list = new List<int>(text.Length);
        foreach (Rune r in text.EnumerateRunes()) list.Add(r.Value);
        return list.ToArray();
    }
}
