namespace Lep.Formats.Checkpoint;

/// <summary>config.json's rope_scaling. Supported: none, "linear", "llama3" (the Llama-3.1 frequency-dependent scaling).</summary>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);
