using Lep.Evaluation;
using Lep.Options;

namespace Lep.Pipeline.Kinds;

/// <summary>"eval-suite": the task files `lep eval` reads (<see cref="EvalSuite.Write"/>): held-out text per language
/// from "corpus" and the test split of "tasks" (a `lep data tasks` dir), one file per (kind, prompt language), at most
/// "items" per task; "include" keeps only the named tasks (e.g. "copy_ru", "heldout_en").</summary>
internal sealed class EvalSuiteStage : StageKind
{
    public override string Name => "eval-suite";
    public override string Description => "an evaluation suite: held-out text per language + the test split of task data, one file per task";

    public override StageAction Bind(StageOptions o)
    {
        string corpus = o.Get(EvalSuiteSchema.Corpus);
        string tasks = o.Get(EvalSuiteSchema.Tasks);
        int items = o.Get(EvalSuiteSchema.Items);
        bool filtered = o.Has(EvalSuiteSchema.Include);
        IReadOnlyList<string> include = o.Get(EvalSuiteSchema.Include);
        if (filtered && include.Count == 0) o.Error(EvalSuiteSchema.Include, "must name at least one task");
        return ctx =>
        {
            EvalSuite.Write(corpus, tasks, ctx.Output, items, filtered ? include.Contains : null);
            return $"{Directory.GetFiles(ctx.Output).Length} task file(s), at most {items} items each";
        };
    }
}

/// <summary>The options of the "eval-suite" stage kind.</summary>
internal static class EvalSuiteSchema
{
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "a corpus dir from `lep data build` (its held-out text per language)");
    public static readonly OptionSpec<string> Tasks = OptionSpec.Path("tasks", "a `lep data tasks` dir (its test split)");
    public static readonly OptionSpec<int> Items = OptionSpec.RequiredInt("items", "at most this many items per task", min: 1);
    public static readonly OptionSpec<string[]> Include = OptionSpec.TextList("include", "keep only these tasks (e.g. copy_ru, heldout_en)");
}
