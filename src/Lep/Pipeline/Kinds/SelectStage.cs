using System.IO.Enumeration;
using System.Text.Json.Nodes;
using Lep.Evaluation.Results;
using Lep.Formats.Checkpoint;
using Lep.Options;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "select": the best of several models by a named score from an eval stage's results (<see cref="ModelRanking"/>).
/// "model" lists the candidates (named as the eval stage names them: NAME=DIR, @STAGE = the stage's name), "results"
/// is that eval stage (or a results.json), "tasks" are task-name patterns (* and ?) and "score" a metric name or
/// "primary". The artifact IS the chosen model — its files hard-linked (copied where links are impossible) — plus
/// selection.json with the ranking, so later stages use "@NAME" like any model dir ("calibrate the best").
/// </summary>
internal sealed class SelectStage : StageKind
{
    public const string FileName = "selection.json";

    public override string Name => "select";
    public override string Description => $"the best of several models by a score from eval results; the artifact is the chosen model (hard links) + {FileName}";

    public override StageAction Bind(StageOptions o)
    {
        IReadOnlyList<(string Name, string Dir)> candidates = EvalStage.Named(o.NamedPaths(SelectSchema.Model));
        string results = o.Get(SelectSchema.Results);
        IReadOnlyList<string> tasks = o.Has(SelectSchema.Tasks) ? o.Get(SelectSchema.Tasks) : ["*"];
        string score = o.Get(SelectSchema.Score);
        if (tasks.Count == 0) o.Error(SelectSchema.Tasks, "must name at least one task pattern");
        return ctx =>
        {
            EvalResults evaluated = EvalResults.Load(results);
            IReadOnlyList<RankedModel> ranking = ModelRanking.Rank(evaluated, candidates.Select(c => c.Name).ToList(), score,
                task => tasks.Any(t => FileSystemName.MatchesSimpleExpression(t, task, ignoreCase: false)), results);
            RankedModel best = ranking[0];
            string dir = candidates.First(c => c.Name == best.Name).Dir;
            ModelDirectory.LinkOrCopy(dir, ctx.Output, [StageMarker.FileName]);
            JsonFile.Write(Path.Combine(ctx.Output, FileName), new JsonObject
            {
                ["selected"] = best.Name, ["path"] = dir, ["score"] = score, ["tasks"] = new JsonArray(tasks.Select(t => (JsonNode?)t).ToArray()),
                ["ranking"] = new JsonArray(ranking.Select(r => (JsonNode?)new JsonObject { ["model"] = r.Name, ["score"] = r.Score, ["tasks"] = r.Tasks }).ToArray()),
            });
            return $"{best.Name} ({score} {best.Score:0.000} over {best.Tasks} task(s); next: " +
                   string.Join(", ", ranking.Skip(1).Take(2).Select(r => $"{r.Name} {r.Score:0.000}")) + ")";
        };
    }

    /// <summary>The model a select stage's artifact holds: its name among the candidates and the dir it came from.</summary>
    public static (string Name, string Path) Selection(string artifactDirectory)
    {
        string file = Path.Combine(artifactDirectory, FileName);
        JsonObject o = JsonFile.ReadObject(file);
        return (o.GetString("selected") ?? throw new LepInputException(file, "names no selected model"), o.GetString("path") ?? "");
    }
}

/// <summary>The options of the "select" stage kind.</summary>
internal static class SelectSchema
{
    public static readonly OptionSpec<string[]> Model = OptionSpec.Paths("model", "the candidate models (DIR, NAME=DIR, @STAGE), named as in the eval stage's " +
        "results", required: true);
    public static readonly OptionSpec<string> Results = OptionSpec.Path("results", "the eval stage (or results.json) that scored the candidates");
    public static readonly OptionSpec<string[]> Tasks = OptionSpec.TextList("tasks", "task name patterns whose scores are averaged (* wildcards; default all)");
    public static readonly OptionSpec<string> Score = OptionSpec.Text("score", ModelRanking.Primary, "the metric to rank by (primary = each task's primary metric)");
}
