using System.CommandLine;
using Lep.Modeling;

namespace Lep.Cli;

/// <summary>`--backend`, `--gguf-type`, `--gguf-cache` (<see cref="BackendSchema"/>): the engine `lep eval` and `lep generate` run a model with.</summary>
public sealed class BackendOptions
{
    private readonly Option<string> _backend = SchemaOptions.Create(BackendSchema.Backend);
    private readonly Option<string> _type = SchemaOptions.Create(BackendSchema.GgufType);
    private readonly Option<string?> _cache = SchemaOptions.Create(BackendSchema.GgufCache);

    public IEnumerable<Option> All => [_backend, _type, _cache];

    public InferenceBackend Get(ParseResult parse) => InferenceBackend.Parse(parse.GetValue(_backend)!, parse.GetValue(_type)!, parse.GetValue(_cache));
}
