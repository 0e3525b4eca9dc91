using Lep.Options;

namespace Lep.Modeling;

/// <summary>The LoRA options of the jobs that train adapters (train, calibrate): <see cref="LoraOptions"/>.</summary>
internal static class LoraSchema
{
    public static readonly OptionSpec<int> Rank = OptionSpec.Int("lora-rank", 8, "LoRA rank r", min: 1);
    public static readonly OptionSpec<double> Alpha = OptionSpec.Number("lora-alpha", 16, "LoRA alpha (the update is scaled by alpha/r)", NumericRange.Positive);
    public static readonly OptionSpec<string> Targets = OptionSpec.Text("lora-targets", "all",
        $"comma-separated projections that get adapters ({string.Join(",", LoraOptions.KnownTargets)}, or all)",
        text => LoraOptions.TargetsProblem(LoraOptions.ParseTargets(text)));
    public static readonly OptionSpec<bool> Embeddings = OptionSpec.Flag("lora-embeddings", "also train embed_tokens and lm_head fully alongside the adapters");
}
