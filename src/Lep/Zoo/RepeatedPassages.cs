namespace Lep.Zoo;

/// <summary>
/// Short passages written twice in a row ("P\nP"), mixed into the pre-training text. A deduplicated documentation
/// corpus has almost no repeated spans, so a tiny model trained on it never learns to look back and copy (its bits/char
/// on a sentence written twice is ~95 % of the sentence once). Repeated passages give pre-training the signal that
/// boilerplate, quotes and code give in a web-scale corpus. Measured on the shipped build (11 % of the text) they
/// moved that ratio only to 0.94 — the zoo learns to copy during instruction tuning — so they are cheap insurance,
/// not a proven need (README, "The zoo").
/// </summary>
internal static class RepeatedPassages
{
    public const int MaxPassageChars = 300;

    /// <summary>A run of whole lines from <paramref name="document"/>, starting at a random line, at most <see cref="MaxPassageChars"/> long, then the same again.</summary>
    public static string? From(string document, Random random)
    {
        string[] lines = document.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return null;
        int first = random.Next(lines.Length);
        var passage = new List<string>();
        int chars = 0;
        for (int i = first; i < lines.Length && chars + lines[i].Length <= MaxPassageChars; i++)
        {
            passage.Add(lines[i]);
            chars += lines[i].Length + 1;
        }
        string text = passage.Count > 0 ? string.Join('\n', passage) : Cut(lines[first]);
        return text + "\n" + text;
    }

    /// <summary>A line longer than a passage, cut at its last space within the limit.</summary>
    private static string Cut(string line)
    {
        int space = line.LastIndexOf(' ', MaxPassageChars);
        return line[..(space > 0 ? space : MaxPassageChars)];
    }

    /// <summary>
    /// The documents with a repeated passage taken from a seeded <paramref name="share"/> of them added after each,
    /// and the characters those passages add.
    /// </summary>
    public static (List<string> Documents, long AddedChars) Add(IEnumerable<string> documents, double share, int seed)
    {
        var random = new Random(seed);
        var result = new List<string>();
        long added = 0;
        foreach (string doc in documents)
        {
            result.Add(doc);
            if (share <= 0 || random.NextDouble() >= share) continue;
            if (From(doc, random) is not string repeated) continue;
            result.Add(repeated);
            added += repeated.Length;
        }
        return (result, added);
    }
}
