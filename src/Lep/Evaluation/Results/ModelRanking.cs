using Lep.Evaluation.Report;
using Lep.Evaluation.Tasks;

namespace Lep.Evaluation.Results;

/// <summary>A candidate's score: the mean of a metric over the tasks it was measured on.</summary>
internal sealed record RankedModel(string Name, double Score, int Tasks);

/// <summary>Picks the best of several evaluated models by a named score (e.g. the demo's "calibrate the best").</summary>
internal static class ModelRanking
{
    /// <summary>The score "each task's primary metric", over scored tasks only (a language-modelling task's primary
    /// metric, bits/char, is not a score in [0, 1]: rank by "bits_per_char" for those).</summary>
    public const string Primary = "primary";

    /// <summary>
    /// The candidates, best first: by the mean over the included tasks of <paramref name="score"/> (a metric name, or
    /// <see cref="Primary"/>), larger first unless the metric is one where smaller is better
    /// (<see cref="MetricNames.LowerIsBetter"/>); equal scores in name order (ordinal).
    /// </summary>
    /// <param name="where">named in errors (the results file)</param>
    public static IReadOnlyList<RankedModel> Rank(EvalResults results, IReadOnlyList<string> candidates, string score, Func<string, bool> includeTask, string where)
    {
        var ranked = new List<RankedModel>();
        foreach (string name in candidates)
        {
            if (!results.Models.Any(m => m.Name == name))
                throw new LepInputException(where, $"has no results for model '{name}' (models: {string.Join(", ", results.Models.Select(m => m.Name))})");
            List<double> values = results.Results
                .Where(r => r.Model == name && includeTask(r.Task) && (score == Primary ? r.Kind != TaskKind.LanguageModeling : r.Metrics.ContainsKey(score)))
                .Select(r => r.Metrics.GetValueOrDefault(score == Primary ? r.Primary : score)).ToList();
            if (values.Count == 0) throw new LepInputException(where, $"has no task for model '{name}' that matches the selection and has a '{score}' score");
            ranked.Add(new RankedModel(name, values.Average(), values.Count));
        }
        var ordered = score != Primary && MetricNames.LowerIsBetter(score) ? ranked.OrderBy(r => r.Score) : ranked.OrderByDescending(r => r.Score);
        return ordered.ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }
}
