using Lep.Data.Tasks;
using Lep.Options;

namespace Lep.Pipeline.Kinds;

/// <summary>"prompts": prompts for self-calibration (ARTIFACT/prompts.jsonl, the calibrate stage's "prompts") from task
/// records of `lep data tasks` (<see cref="TaskPrompts"/>).</summary>
internal sealed class PromptsStage : StageKind
{
    public const string FileName = "prompts.jsonl";

    public override string Name => "prompts";
    public override string Description => $"self-calibration prompts from task records: free-answer kinds, English ones and a seeded share of Russian ones (ARTIFACT/{FileName})";

    public override StageAction Bind(StageOptions o)
    {
        string tasks = o.Get(PromptsSchema.Tasks);
        int count = o.Get(PromptsSchema.Count);
        double share = o.Get(PromptsSchema.RussianShare);
        int seed = o.Get(PromptsSchema.Seed);
        IReadOnlyList<string> exclude = o.Get(PromptsSchema.ExcludeKind);
        return ctx =>
        {
            int written = TaskPrompts.Write(tasks, Path.Combine(ctx.Output, FileName), count, share, seed, exclude);
            return $"{written} prompts";
        };
    }
}

/// <summary>The options of the "prompts" stage kind.</summary>
internal static class PromptsSchema
{
    public static readonly OptionSpec<string> Tasks = OptionSpec.Path("tasks", "a `lep data tasks` dir (prompts come from its dev split)");
    public static readonly OptionSpec<int> Count = OptionSpec.RequiredInt("count", "prompts to write", min: 1);
    public static readonly OptionSpec<double> RussianShare = OptionSpec.Number("russian-share", 0.5, "share of Russian prompts", NumericRange.Fraction);
    public static readonly OptionSpec<int> Seed = OptionSpec.Int("seed", 1, "selection seed");
    public static readonly OptionSpec<string[]> ExcludeKind = OptionSpec.TextList("exclude-kind", "task kinds left out (e.g. copy)");
}
