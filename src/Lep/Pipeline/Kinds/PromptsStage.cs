using Lep.Data.Tasks;

namespace Lep.Pipeline.Kinds;

/// <summary>"prompts": prompts for self-calibration (ARTIFACT/prompts.jsonl, the calibrate stage's "prompts") from task
/// records of `lep data tasks` (<see cref="TaskPrompts"/>).</summary>
public sealed class PromptsStage : StageKind
{
    public const string FileName = "prompts.jsonl";

    public override string Name => "prompts";
    public override string Description => $"self-calibration prompts from task records: free-answer kinds, English ones and a seeded share of Russian ones (ARTIFACT/{FileName})";

    public override StageAction Bind(StageOptions o)
    {
        string tasks = o.Path("tasks");
        int count = o.RequiredInt("count");
        double share = o.Double("russian-share", 0.5);
        int seed = o.Int("seed", 1);
        IReadOnlyList<string> exclude = o.StringList("exclude-kind");
        if (count < 1) o.Error("count", "must be ≥ 1");
        if (NumericRange.Fraction.Problem(share) is string problem) o.Error("russian-share", problem);
        return ctx =>
        {
            int written = TaskPrompts.Write(tasks, Path.Combine(ctx.Output, FileName), count, share, seed, exclude);
            return $"{written} prompts";
        };
    }
}
