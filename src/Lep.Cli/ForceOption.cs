using System.CommandLine;
using Lep.Formats;

namespace Lep.Cli;

/// <summary>`--force`, the one switch every command that writes an output takes, and the output check that goes with
/// it (docs/safety.md).</summary>
internal static class ForceOption
{
    public static Option<bool> Create() => new("--force")
    {
        Description = "replace an existing output (never one that is an input, holds one or lies inside one)",
    };

    /// <summary>Checks <paramref name="output"/> before any work (<see cref="OutputTarget.Check"/>) and holds its lock
    /// until the command ends (<see cref="OutputLock"/>); returns whether the library may replace an existing output.</summary>
    public static bool CheckOutput(this ParseResult parse, Option<bool> force, string output, OutputKind kind, params IEnumerable<string?> inputs) =>
        parse.CheckResumableOutput(force, output, kind, null, inputs);

    /// <param name="resumable">an existing dir this command continues without --force (an earlier run's output)</param>
    public static bool CheckResumableOutput(this ParseResult parse, Option<bool> force, string output, OutputKind kind, Func<string, bool>? resumable,
        params IEnumerable<string?> inputs)
    {
        bool replace = parse.GetValue(force);
        OutputTarget.Check(output, kind, replace, inputs, resumable);
        OutputLock.Hold(output);
        return replace;
    }
}
