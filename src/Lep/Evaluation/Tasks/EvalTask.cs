namespace Lep.Evaluation.Tasks;

/// <summary>How a task is scored.</summary>
public enum TaskKind
{
    /// <summary>The choice with the highest log-likelihood is the answer (accuracy).</summary>
    MultipleChoice,
    /// <summary>A greedy reply compared with references (exact match, chrF, ROUGE-L).</summary>
    Generation,
    /// <summary>Documents scored by bits per character.</summary>
    LanguageModeling,
}

/// <summary>
/// A task read from one file. <see cref="Format"/> names the record layout it was recognised from (copy, multiple_choice,
/// translation, words, generation, mera, text); <see cref="Primary"/> is the metric shown in the summary table.
/// </summary>
public sealed record EvalTask(string Name, TaskKind Kind, string Format, string SourcePath, string Sha256, IReadOnlyList<EvalItem> Items, string Primary)
{
    /// <summary>The first <paramref name="shots"/> items become demonstrations; the rest (up to <paramref name="limit"/>) are scored.</summary>
    public (IReadOnlyList<EvalItem> Shots, IReadOnlyList<EvalItem> Scored) Split(int shots, int? limit)
    {
        if (Kind == TaskKind.LanguageModeling) shots = 0;
        int k = Math.Min(shots, Math.Max(0, Items.Count - 1));
        var scored = Items.Skip(k);
        if (limit is int n) scored = scored.Take(n);
        return (Items.Take(k).ToList(), scored.ToList());
    }
}
