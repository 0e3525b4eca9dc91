using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Modeling.LlamaCpp;
using Lep.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>
/// Which engine runs a model for <c>lep eval</c> / <c>lep generate</c>: <c>torch</c> (TorchSharp, fp32, exact) or
/// <c>llama.cpp</c> (LLamaSharp on a GGUF that lep exports from the HF dir into <see cref="GgufCache"/>, in
/// <see cref="GgufType"/>). Either way the tokenisation is lep's; both engines get the same ids.
/// </summary>
public sealed record InferenceBackend
{
    /// <summary>The CLI/pipeline name of the TorchSharp backend.</summary>
    public const string TorchName = "torch";
    /// <summary>The CLI/pipeline name of the llama.cpp backend.</summary>
    public const string LlamaCppName = "llama.cpp";
    /// <summary>Every backend name <see cref="Parse"/> accepts.</summary>
    public static readonly string[] Names = [TorchName, LlamaCppName];
    /// <summary>GGUF matrix types the llama.cpp backend runs (f32 agrees with torch; f16 halves and q8_0 quarters the memory).</summary>
    public static readonly string[] GgufTypeNames = ["q8_0", "f16", "f32"];

    /// <summary>TorchSharp in fp32: exact, the default.</summary>
    public static InferenceBackend Torch { get; } = new();

    /// <summary>True for llama.cpp (on a GGUF export), false for torch.</summary>
    public bool IsLlamaCpp { get; init; }
    /// <summary>The matrix type of the GGUF the llama.cpp backend runs.</summary>
    public GgmlType GgufType { get; init; } = GgmlType.Q8_0;
    /// <summary>Where exports are cached; null = <see cref="GgufCache.DefaultDirectory"/>.</summary>
    public string? GgufCacheDirectory { get; init; }
    /// <summary>Context, threads and batch of the llama.cpp backend.</summary>
    public LlamaCppSettings LlamaCpp { get; init; } = new();

    /// <summary>From the CLI/pipeline spelling: <c>torch</c> or <c>llama.cpp</c>, a GGUF type name and an optional cache dir.</summary>
    public static InferenceBackend Parse(string backend, string ggufType = "q8_0", string? ggufCache = null)
    {
        if (!Names.Contains(backend)) throw new ArgumentException($"unknown backend '{backend}' (expected {string.Join(" or ", Names)})");
        if (!GgufTypeNames.Contains(ggufType)) throw new ArgumentException($"unknown GGUF type '{ggufType}' (expected {string.Join(", ", GgufTypeNames)})");
        return backend == TorchName ? Torch : new InferenceBackend
        {
            IsLlamaCpp = true, GgufType = GgufExportOptions.ParseMatrixType(ggufType), GgufCacheDirectory = ggufCache,
            LlamaCpp = new LlamaCppSettings { F32Cache = ggufType == "f32" },
        };
    }

    /// <summary>How reports name it: <c>torch</c> or <c>llama.cpp q8_0</c>.</summary>
    public string Name => IsLlamaCpp ? $"{LlamaCppName} {GgufExportOptions.MatrixTypeNames.First(p => p.Value == GgufType).Key}" : TorchName;

    /// <summary>Loads the model of an HF dir. <paramref name="note"/> hears about a GGUF export (the slow part of a first load).</summary>
    public ILanguageModel Load(string directory, Device? device = null, IProgress<double>? progress = null, Action<string>? note = null)
    {
        if (!IsLlamaCpp)
        {
            LlamaForCausalLM lm = LlamaForCausalLM.Load(directory, device, progress);
            lm.eval();
            return lm;
        }
        if (device is not null && device.type != DeviceType.CPU)
            throw new OptionException(
                $"the llama.cpp backend runs on the CPU (LLamaSharp.Backend.Cpu); use {Runtime.DeviceSchema.Device.Is("cpu")} or {BackendSchema.Backend.Is(TorchName)}");
        ModelConfig config = ModelConfig.Load(Path.Combine(directory, "config.json"));
        var (gguf, exported) = GgufCache.Ensure(directory, GgufType, GgufCacheDirectory, progress);
        if (exported) note?.Invoke($"exported {directory} to {gguf} ({new FileInfo(gguf).Length / 1048576.0:N1} MiB)");
        return LlamaCppModel.Open(gguf, config, Name, LlamaCpp);
    }
}
