using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Pipeline;
using Lep.Pipeline.Kinds;
using Lep.Tests.Support;

namespace Lep.Tests.Pipeline;

/// <summary>The "select" stage: the best of several models by a named score from eval results (hand-made results, so
/// the expected choice is worked out by hand).</summary>
public class SelectStageTests
{
    // model → task → (kind, primary metric, value). a and b tie on the Russian scored tasks (mean 0.5; a wins by name);
    // c would win if held-out bits/char (5.0) were averaged in as a "score"; b has the lowest Russian bits/char.
    private static readonly (string Model, string Task, TaskKind Kind, string Metric, double Value)[] Scores =
    [
        ("a", "copy_ru", TaskKind.Generation, "exact_match", 0.25), ("a", "mc_ru", TaskKind.MultipleChoice, "accuracy", 0.75),
        ("a", "heldout_ru", TaskKind.LanguageModeling, "bits_per_char", 2.0), ("a", "copy_en", TaskKind.Generation, "exact_match", 1.0),
        ("b", "copy_ru", TaskKind.Generation, "exact_match", 0.5), ("b", "mc_ru", TaskKind.MultipleChoice, "accuracy", 0.5),
        ("b", "heldout_ru", TaskKind.LanguageModeling, "bits_per_char", 1.5), ("b", "copy_en", TaskKind.Generation, "exact_match", 0.0),
        ("c", "copy_ru", TaskKind.Generation, "exact_match", 0.125), ("c", "mc_ru", TaskKind.MultipleChoice, "accuracy", 0.125),
        ("c", "heldout_ru", TaskKind.LanguageModeling, "bits_per_char", 5.0), ("c", "copy_en", TaskKind.Generation, "exact_match", 0.875),
    ];

    private static string Setup(TempDir dir)
    {
        var results = new EvalResults();
        foreach (string m in new[] { "a", "b", "c" })
        {
            Directory.CreateDirectory(dir.File($"m{m}"));
            File.WriteAllText(dir.File($"m{m}/config.json"), $"{{\"name\": \"{m}\"}}");
            Directory.CreateDirectory(dir.File($"m{m}/sub"));
            File.WriteAllText(dir.File($"m{m}/sub/weights.bin"), new string(m[0], 1000));
            File.WriteAllText(dir.File($"m{m}/{StageMarker.FileName}"), "the candidate's own marker");
            results.Models.Add(new ModelInfo(m, dir.File($"m{m}"), "plain", 10, "torch"));
        }
        foreach (var s in Scores)
        {
            if (!results.Tasks.Any(t => t.Name == s.Task)) results.Tasks.Add(new TaskInfo(s.Task, s.Kind, "test", s.Task, "", s.Metric, 1));
            results.Results.Add(new TaskResult
            {
                Model = s.Model, Task = s.Task, Kind = s.Kind, Format = "test", Primary = s.Metric, N = 1, PrimarySum = s.Value,
                Metrics = new SortedDictionary<string, double>(StringComparer.Ordinal) { [s.Metric] = s.Value },
            });
        }
        Directory.CreateDirectory(dir.File("eval"));
        results.Save(dir.File("eval"));
        string file = dir.File("p.json");
        File.WriteAllText(file, """
            {"stages": [
              {"name": "best", "kind": "select", "results": "eval", "model": ["a=ma", "b=mb", "c=mc"], "tasks": ["*_ru"]},
              {"name": "best-bpc", "kind": "select", "results": "eval/results.json", "model": ["a=ma", "b=mb", "c=mc"], "tasks": "heldout_*", "score": "bits_per_char"},
              {"name": "best-copy", "kind": "select", "results": "eval", "model": ["a=ma", "b=mb", "c=mc"], "tasks": ["copy_*"], "score": "exact_match"}
            ]}
            """);
        return file;
    }

    [Fact]
    public void Select_picks_the_best_mean_score_ties_by_name_and_its_artifact_is_the_chosen_model()
    {
        using var dir = new TempDir();
        PipelineDefinition p = PipelineDefinition.Load(Setup(dir));
        new PipelineRunner().Run(PipelinePlan.Create(p));

        Assert.Equal(("a", dir.File("ma")), SelectStage.Selection(p.Find("best")!.ArtifactDirectory));   // primary over scored *_ru tasks: a 0.5 = b 0.5 > c
        Assert.Equal("b", SelectStage.Selection(p.Find("best-bpc")!.ArtifactDirectory).Name);            // bits/char: lower is better
        Assert.Equal("a", SelectStage.Selection(p.Find("best-copy")!.ArtifactDirectory).Name);           // copy EM: a 0.625, c 0.5, b 0.25

        string best = p.Find("best")!.ArtifactDirectory;
        Assert.Equal("{\"name\": \"a\"}", File.ReadAllText(Path.Combine(best, "config.json")));
        Assert.Equal(new string('a', 1000), File.ReadAllText(Path.Combine(best, "sub", "weights.bin")));
        Assert.Equal("best", StageMarker.TryRead(best, "best")!.Stage);                                 // its own marker, not the candidate's
        Assert.Equal(["a", "b", "c"], EvalResults.Load(dir.File("eval")).Models.Select(m => m.Name));
        IReadOnlyList<RankedModel> ranking = ModelRanking.Rank(EvalResults.Load(dir.File("eval")), ["c", "b", "a"], ModelRanking.Primary, t => t.EndsWith("_ru"), "eval");
        Assert.Equal([("a", 0.5, 2), ("b", 0.5, 2), ("c", 0.125, 2)], ranking.Select(r => (r.Name, r.Score, r.Tasks)));
    }

    [Fact]
    public void A_candidate_missing_from_the_results_fails_the_stage_naming_it()
    {
        using var dir = new TempDir();
        string file = Setup(dir);
        File.WriteAllText(file, File.ReadAllText(file).Replace("\"c=mc\"]", "\"c=mc\", \"d=mc\"]"));
        PipelineDefinition p = PipelineDefinition.Load(file);
        var e = Assert.Throws<LepInputException>(() => new PipelineRunner().Run(PipelinePlan.Create(p, new PipelineSelection { Only = ["best"] })));
        Assert.Contains("has no results for model 'd' (models: a, b, c)", e.Message);
        Assert.False(StageMarker.TryRead(p.Find("best")!.ArtifactDirectory, "best") is { Done: true });
    }
}
