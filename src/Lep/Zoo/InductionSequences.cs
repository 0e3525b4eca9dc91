namespace Lep.Zoo;

/// <summary>
/// Synthetic induction text for pre-training: a run of words drawn uniformly from the corpus's word types, then the
/// same run again. The first run cannot be predicted; the second only by looking back and copying ("… A B … A → B",
/// the pattern induction heads implement, Olsson et al. 2022). Natural text holds that pattern sparsely, and the zoo's
/// base, trained on it, barely copies in context (copy probe 0.96): this is the dense form of the signal.
/// </summary>
internal static class InductionSequences
{
    public const int MinWords = 16, MaxWords = 64;

    /// <summary>The distinct whitespace-separated words of <paramref name="documents"/> holding a letter (at most 24
    /// characters), in order of first appearance.</summary>
    public static List<string> Vocabulary(IEnumerable<string> documents)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var words = new List<string>();
        foreach (string doc in documents)
            foreach (string w in doc.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                if (w.Length <= 24 && w.Any(char.IsLetter) && seen.Add(w)) words.Add(w);
        return words;
    }

    /// <summary>Sequences ("RUN\nRUN") until they hold <paramref name="chars"/> characters.</summary>
    public static (List<string> Documents, long Chars) Make(IReadOnlyList<string> vocabulary, long chars, int seed)
    {
        var random = new Random(seed);
        var documents = new List<string>();
        long made = 0;
        if (vocabulary.Count == 0) return (documents, 0);
        while (made < chars)
        {
            int n = random.Next(MinWords, MaxWords + 1);
            string run = string.Join(' ', Enumerable.Range(0, n).Select(_ => vocabulary[random.Next(vocabulary.Count)]));
            string doc = run + "\n" + run;
            documents.Add(doc);
            made += doc.Length;
        }
        return (documents, made);
    }
}
