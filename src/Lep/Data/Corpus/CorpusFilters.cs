namespace Lep.Data.Corpus;

/// <summary>One document of one source: lines of text without empty lines.</summary>
internal sealed record Document(string Source, string Origin, IReadOnlyList<string> Lines)
{
    public string Text => string.Join('\n', Lines);
}

/// <summary>The cleaning rules of DESIGN §5, each a small pure function so it can be tested alone.</summary>
internal static class CorpusFilters
{
    /// <summary>Lines seen more often than this within one source are boilerplate and dropped.</summary>
    public const int MaxRepeatsPerSource = 30;
    /// <summary>Lines with fewer letters than this share of their non-space characters are dropped.</summary>
    public const double MinLetterShare = 0.6;
    /// <summary>A Russian line is kept only when more than this share of its letters is Cyrillic.</summary>
    public const double MinCyrillicShare = 0.5;
    /// <summary>Every held-out period-th document of a source (1-based: the 50th, 100th, …) goes to held-out.</summary>
    public const int HeldOutPeriod = 50;
    /// <summary>Documents with fewer letters than this after cleaning are dropped.</summary>
    public const int MinDocumentLetters = 12;

    public static bool HasEnoughLetters(string line)
    {
        int letters = 0, visible = 0;
        foreach (char c in line)
        {
            if (char.IsWhiteSpace(c)) continue;
            visible++;
            if (char.IsLetter(c)) letters++;
        }
        return visible > 0 && letters >= MinLetterShare * visible;
    }

    public static bool IsMostlyCyrillic(string line)
    {
        int cyr = 0, letters = 0;
        foreach (char c in line)
        {
            if (!char.IsLetter(c)) continue;
            letters++;
            if (TextTools.IsCyrillic(c)) cyr++;
        }
        return letters > 0 && cyr > MinCyrillicShare * letters;
    }

    /// <summary>Whether a single (normalised) line survives the per-line filters for a language.</summary>
    public static bool KeepLine(string line, string lang) =>
        line.Length > 0 && HasEnoughLetters(line) && (lang != "ru" || IsMostlyCyrillic(line));

    /// <summary>
    /// Cleans the documents of one source: normalises lines, drops lines failing <see cref="KeepLine"/>, drops lines
    /// repeated more than <see cref="MaxRepeatsPerSource"/> times in the source, and drops documents left too short.
    /// </summary>
    public static List<Document> CleanSource(IEnumerable<Document> docs, string lang)
    {
        var normalised = new List<Document>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Document d in docs)
        {
            var lines = new List<string>();
            foreach (string raw in d.Lines)
            {
                string line = TextTools.NormalizeLine(raw);
                if (!KeepLine(line, lang)) continue;
                lines.Add(line);
                counts[line] = counts.GetValueOrDefault(line) + 1;
            }
            normalised.Add(d with { Lines = lines });
        }
        var result = new List<Document>();
        foreach (Document d in normalised)
        {
            var lines = d.Lines.Where(l => counts[l] <= MaxRepeatsPerSource).ToList();
            if (lines.Sum(TextTools.CountLetters) < MinDocumentLetters) continue;
            result.Add(d with { Lines = lines });
        }
        return result;
    }

    /// <summary>Removes exact duplicates (same text), keeping the first; <paramref name="seen"/> spans sources.</summary>
    public static List<Document> RemoveDuplicates(IEnumerable<Document> docs, HashSet<string> seen) =>
        docs.Where(d => seen.Add(d.Text)).ToList();

    /// <summary>The deterministic split: the 50th, 100th, … document of a source is held out.</summary>
    public static bool IsHeldOut(int indexInSource) => (indexInSource + 1) % HeldOutPeriod == 0;
}
