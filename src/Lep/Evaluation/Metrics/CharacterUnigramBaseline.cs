using System.Text;

namespace Lep.Evaluation.Metrics;

/// <summary>
/// The floor a language model must beat: bits/char of a unigram model over code points, estimated on training text
/// (add-one smoothing over the training alphabet plus one "unseen" symbol) and measured on held-out documents the way
/// `lep eval` counts characters (documents separated by an empty line, each scored on its own).
/// </summary>
internal static class CharacterUnigramBaseline
{
    public static double BitsPerChar(string trainPath, IEnumerable<string> heldoutDocuments)
    {
        var counts = new Dictionary<int, long>();
        long total = 0;
        foreach (string line in File.ReadLines(trainPath, Encoding.UTF8))
        {
            foreach (Rune r in line.EnumerateRunes()) { counts[r.Value] = counts.GetValueOrDefault(r.Value) + 1; total++; }
            counts['\n'] = counts.GetValueOrDefault('\n') + 1;
            total++;
        }
        double denominator = total + counts.Count + 1;
        double unseen = -Math.Log2(1 / denominator);
        double bits = 0;
        long chars = 0;
        foreach (string doc in heldoutDocuments)
        {
            foreach (Rune r in doc.EnumerateRunes())
            {
                bits += counts.TryGetValue(r.Value, out long c) ? -Math.Log2((c + 1) / denominator) : unseen;
                chars++;
            }
        }
        return chars == 0 ? double.NaN : bits / chars;
    }
}
