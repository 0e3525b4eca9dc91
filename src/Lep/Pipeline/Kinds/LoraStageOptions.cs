using Lep.Modeling;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// The <see cref="LoraSchema"/> options of the train and calibrate kinds ("lora-targets" also as an array). Given
/// without "trainable": "lora" they would do nothing, so that is an error.
/// </summary>
internal static class LoraStageOptions
{
    /// <param name="enabled">the stage trains LoRA adapters</param>
    /// <returns>the options when enabled (the defaults for any option with a problem, each reported on its option);
    /// null when not enabled</returns>
    public static LoraOptions? Read(StageOptions o, bool enabled)
    {
        var lora = new LoraOptions
        {
            Rank = o.Get(LoraSchema.Rank), Alpha = o.Get(LoraSchema.Alpha), Targets = LoraOptions.ParseTargets(o.JoinedText(LoraSchema.Targets)),
            TrainEmbeddings = o.Get(LoraSchema.Embeddings),
        };
        if (enabled) return lora;
        foreach (var option in new Options.OptionSpec[] { LoraSchema.Rank, LoraSchema.Alpha, LoraSchema.Targets, LoraSchema.Embeddings })
            if (o.Has(option)) o.Error(option, "only applies with \"trainable\": \"lora\"");
        return null;
    }
}
