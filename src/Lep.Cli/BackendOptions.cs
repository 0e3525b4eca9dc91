using System.CommandLine;
using Lep.Modeling;

namespace Lep.Cli;

/// <summary>`--backend`, `--gguf-type`, `--gguf-cache`: the engine `lep eval` and `lep generate` run a model with.</summary>
public sealed class BackendOptions
{
    private readonly Option<string> _backend = new("--backend")
    {
        Description = "the engine: torch (TorchSharp, fp32, exact) or llama.cpp (a GGUF export of the model, cached, run by llama.cpp on the CPU)",
        DefaultValueFactory = _ => InferenceBackend.TorchName,
    };

    private readonly Option<string> _type = new("--gguf-type")
    {
        Description = "with --backend llama.cpp: matrix type of the GGUF export: q8_0 (~1.06 bytes/param), f16 (2), f32 (4, agrees with torch)",
        DefaultValueFactory = _ => "q8_0",
    };

    private readonly Option<string?> _cache = new("--gguf-cache")
    {
        Description = "with --backend llama.cpp: where GGUF exports are kept, keyed by the model's content hash (default ~/.cache/lep/gguf)",
    };

    public BackendOptions()
    {
        _backend.AcceptOnlyFromAmong(InferenceBackend.Names);
        _type.AcceptOnlyFromAmong(InferenceBackend.GgufTypeNames);
    }

    public IEnumerable<Option> All => [_backend, _type, _cache];

    public InferenceBackend Get(ParseResult parse) => InferenceBackend.Parse(parse.GetValue(_backend)!, parse.GetValue(_type)!, parse.GetValue(_cache));
}
