namespace Lep.Tokenization.PreTokenizers;

/// <summary>One piece of the input on its way through the pipeline. <see cref="Id"/> is set (≥ 0) for pieces that
/// are already tokens (added tokens); <see cref="AtStart"/> tells whether the piece begins at offset 0 of the
/// original text (Metaspace's prepend_scheme "first" needs it).</summary>
internal readonly record struct Split(string Text, bool AtStart, int Id = -1)
{
    public bool IsToken => Id >= 0;
}

/// <summary>How a split pattern's matches become pieces (HF <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

internal static class Splitting
{
    /// <summary>
    /// Turns matches (non-overlapping, ascending) into pieces of <paramref name="text"/> with HF's semantics and
    /// appends the non-empty ones to <paramref name="output"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Apply(string text, bool atStart, List<(int Start, int End)> matches, bool invert, SplitBehavior behavior, List<Split> output)
    {
        // Build the covering sequence of (start, end, isMatch).
        var segs = new List<(int S, int E, bool M)>(matches.Count * 2 + 1);
        int prev = 0;
        foreach (var (s, e) in matches)
        {
            if (prev != s) segs.Add((prev, s, invert));
            segs.Add((s, e, !invert));
            prev = e;
        }
        if (prev != text.Length) segs.Add((prev, text.Length, invert));
        Emit(text, atStart, segs, behavior, output);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Emit(string text, bool atStart, List<(int S, int E, bool M)> segs, SplitBehavior behavior, List<Split> output)
    {
        var pieces = new List<(int S, int E, bool Remove)>(segs.Count);
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var (s, e, _) in segs) pieces.Add((s, e, false));
                break;
            case SplitBehavior.Removed:
                foreach (var (s, e, m) in segs) pieces.Add((s, e, m));
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                bool prevMatch = false;
                foreach (var (s, e, m) in segs)
                {
                    if (m && !prevMatch && pieces.Count > 0) pieces[^1] = (pieces[^1].S, e, false);
                    else pieces.Add((s, e, false));
                    prevMatch = m;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                bool prevMatch = false;
                for (int i = segs.Count - 1; i >= 0; i--)
                {
                    var (s, e, m) = segs[i];
                    if (m && !prevMatch && pieces.Count > 0) pieces[^1] = (s, pieces[^1].E, false);
                    else pieces.Add((s, e, false));
                    prevMatch = m;
                }
                pieces.Reverse();
                break;
            }
            case SplitBehavior.Contiguous:
            {
                bool prevMatch = false;
                foreach (var (s, e, m) in segs)
                {
                    if (m == prevMatch && pieces.Count > 0) pieces[^1] = (pieces[^1].S, e, false);
                    else pieces.Add((s, e, false));
                    prevMatch = m;
                }
                break;
            }
        }
        foreach (var (s, e, remove) in pieces)
        {
            if (remove || s == e) continue;
            output.Add(new Split(s == 0 && e == text.Length ? text : text.Substring(s, e - s), atStart && s == 0));
        }
    }

    /// <summary>Matches of a per-character predicate: each matching code point is its own match.</summary>
    public static void CharMatches(string text, Func<int, bool> pred, List<(int, int)> matches)
    {
        for (int i = 0; i < text.Length;)
        {
            int c = UnicodeProps.CodePointAt(text, i, out int l);
            if (pred(c)) matches.Add((i, i + l));
            i += l;
        }
    }

    public static SplitBehavior ParseBehavior(string? s) => s switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw Json.Bad($"unknown split behavior \"{s}\""),
    };
}
