using Lep.Options;
using Lep.Zoo;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "zoo-publish": the zoo as shipped (<see cref="ZooPublisher"/>): lep-tiny-base/ and lep-tiny-instruct/ as bf16 HF
/// dirs, their training curves and loss plots, the eval report, recipe.json (the pipeline's variables as this run
/// set them) and manifest.json (hashes, scores, baselines, pair diagnostics, the seconds of the work dir's stages).
/// `lep zoo build` copies this artifact to its --out.
/// </summary>
internal sealed class ZooPublishStage : StageKind
{
    public override string Name => "zoo-publish";
    public override string Description => "the zoo pair as shipped: bf16 HF dirs, training curves, eval report, recipe.json (the variables), manifest.json";

    public override StageAction Bind(StageOptions o)
    {
        var recipe = o.Variables();
        var publication = new ZooPublication
        {
            Corpus = o.Get(ZooPublishSchema.Corpus), Base = o.Get(ZooPublishSchema.Base), Instruct = o.Get(ZooPublishSchema.Instruct),
            Eval = o.Get(ZooPublishSchema.Eval), Diagnostics = o.Get(ZooPublishSchema.Diagnostics), EvalItems = o.Get(ZooPublishSchema.EvalItems),
            BuiltBy = o.Get(ZooPublishSchema.BuiltBy), Recipe = ZooPublisher.Recipe(recipe),
        };
        return ctx =>
        {
            ZooPublisher.Publish(publication with { StageSeconds = StageSeconds(ctx) }, ctx.Output);
            return $"{ZooModels.BaseName}, {ZooModels.InstructName} (bf16), manifest.json";
        };
    }

    /// <summary>The finished stages of this work dir with the seconds they took when they ran, in the order they ran.</summary>
    private static List<(string Stage, double Seconds)> StageSeconds(StageContext ctx) =>
        Directory.GetDirectories(Path.GetDirectoryName(ctx.ArtifactDirectory)!)
            .Select(d => StageMarker.TryRead(d, Path.GetFileName(d)))
            .Where(m => m is { Done: true } && m.Stage != ctx.Name)
            .OrderBy(m => m!.Started).Select(m => (m!.Stage, m.Seconds ?? 0)).ToList();
}

/// <summary>The options of the "zoo-publish" stage kind.</summary>
internal static class ZooPublishSchema
{
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "the corpus dir (its manifest.json, and held-out text for the unigram baselines)");
    public static readonly OptionSpec<string> Base = OptionSpec.Path("base", "the trained base model dir");
    public static readonly OptionSpec<string> Instruct = OptionSpec.Path("instruct", "the trained instruct model dir");
    public static readonly OptionSpec<string> Eval = OptionSpec.Path("eval", "the pair's evaluation (results.json, report.md: a report or eval stage)");
    public static readonly OptionSpec<string> Diagnostics = OptionSpec.Path("diagnostics", "a \"diagnose\" stage's dir (diagnostics.json)");
    public static readonly OptionSpec<int> EvalItems = OptionSpec.RequiredInt("eval-items",
        "held-out documents per language the unigram baselines are measured on (the eval's items)", min: 1);
    public static readonly OptionSpec<string> BuiltBy = OptionSpec.Text("built-by", "lep zoo build", "the command that rebuilds this zoo (manifest.json's built_by)");
}
