using Lep.Modeling;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// The "lora-rank", "lora-alpha", "lora-targets" (a comma-separated string like the CLI flag, or an array; "all" = every
/// projection) and "lora-embeddings" options of the train and calibrate kinds: defaults and checks from
/// <see cref="LoraOptions"/>, the same as `--lora-*`. Given without "trainable": "lora" they would do nothing, so that is
/// an error.
/// </summary>
internal static class LoraStageOptions
{
    public static readonly string[] Names = ["lora-rank", "lora-alpha", "lora-targets", "lora-embeddings"];

    /// <param name="enabled">the stage trains LoRA adapters</param>
    /// <returns>the options when enabled and valid; <see cref="LoraOptions.Default"/> when enabled with problems (each
    /// reported on its option); null when not enabled</returns>
    public static LoraOptions? Read(StageOptions o, bool enabled)
    {
        LoraOptions d = LoraOptions.Default;
        int? rank = o.OptionalInt("lora-rank");
        double? alpha = o.OptionalDouble("lora-alpha");
        bool targetsGiven = o.Has("lora-targets");
        IReadOnlyList<string> targets = o.StringList("lora-targets");
        bool embeddingsGiven = o.Has("lora-embeddings");
        bool embeddings = o.Flag("lora-embeddings");
        if (!enabled)
        {
            foreach (string name in Names)
                if (o.Has(name)) o.Error(name, "only applies with \"trainable\": \"lora\"");
            return null;
        }
        var lora = new LoraOptions
        {
            Rank = rank ?? d.Rank, Alpha = alpha ?? d.Alpha,
            Targets = targetsGiven ? LoraOptions.ParseTargets(string.Join(",", targets)) : d.Targets,
            TrainEmbeddings = embeddingsGiven ? embeddings : d.TrainEmbeddings,
        };
        bool ok = true;
        foreach (var (option, problem) in lora.Problems())
        {
            o.Error(option, problem);
            ok = false;
        }
        return ok ? lora : d;
    }
}
