using Lep.Options;

namespace Lep.Formats.Checkpoint;

/// <summary>The input of `lep info` (<see cref="ModelSummary"/>, or a GGUF file's metadata).</summary>
internal static class InfoSchema
{
    public static readonly OptionSpec<string> Model = OptionSpec.Path("model", "an HF model directory (config.json + safetensors), or a .gguf file");
}
