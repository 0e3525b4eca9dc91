using Lep.Evaluation;

namespace Lep.Pipeline.Kinds;

/// <summary>"eval-suite": the task files `lep eval` reads (<see cref="EvalSuite.Write"/>): held-out text per language
/// from "corpus" and the test split of "tasks" (a `lep data tasks` dir), one file per (kind, prompt language), at most
/// "items" per task; "include" keeps only the named tasks (e.g. "copy_ru", "heldout_en").</summary>
public sealed class EvalSuiteStage : StageKind
{
    public override string Name => "eval-suite";
    public override string Description => "an evaluation suite: held-out text per language + the test split of task data, one file per task";

    public override StageAction Bind(StageOptions o)
    {
        string corpus = o.Path("corpus");
        string tasks = o.Path("tasks");
        int items = o.RequiredInt("items");
        bool filtered = o.Has("include");
        IReadOnlyList<string> include = o.StringList("include");
        if (items < 1) o.Error("items", "must be ≥ 1");
        if (filtered && include.Count == 0) o.Error("include", "must name at least one task");
        return ctx =>
        {
            EvalSuite.Write(corpus, tasks, ctx.Output, items, filtered ? include.Contains : null);
            return $"{Directory.GetFiles(ctx.Output).Length} task file(s), at most {items} items each";
        };
    }
}
