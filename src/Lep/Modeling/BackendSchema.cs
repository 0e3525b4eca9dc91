using Lep.Options;

namespace Lep.Modeling;

/// <summary>The engine options of `lep eval` and `lep generate` (and the eval stage): see <see cref="InferenceBackend"/>.</summary>
internal static class BackendSchema
{
    public static readonly OptionSpec<string> Backend = OptionSpec.Choice("backend", InferenceBackend.TorchName,
        "the engine: torch (TorchSharp, fp32, exact) or llama.cpp (a GGUF export of the model, cached, run by llama.cpp on the CPU)",
        InferenceBackend.Names);
    public static readonly OptionSpec<string> GgufType = OptionSpec.Choice("gguf-type", "q8_0",
        "with backend llama.cpp: matrix type of the GGUF export: q8_0 (~1.06 bytes/param), f16 (2), f32 (4, agrees with torch)",
        InferenceBackend.GgufTypeNames);
    public static readonly OptionSpec<string?> GgufCache = OptionSpec.OptionalPath("gguf-cache",
        "with backend llama.cpp: where GGUF exports are kept, keyed by the model's content hash (default ~/.cache/lep/gguf)");
}
