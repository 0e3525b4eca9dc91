using System.CommandLine;
using System.Globalization;
using Lep.Options;

namespace Lep.Cli;

/// <summary>
/// Flags built from a job's schema (<see cref="OptionSpec"/>): <c>--name</c>, the spec's help text, default, choices
/// and check (a bad value is a parse error "--name problem", exit 2). Options the library refuses later
/// (<see cref="OptionException"/>) are worded the same way by <see cref="Wording"/>.
/// </summary>
internal static class SchemaOptions
{
    /// <summary>How the command line names options in messages: <c>--name</c>, <c>--name value</c>.</summary>
    public static readonly IOptionWording Wording = new FlagWording();

    public static Option<T> Create<T>(OptionSpec<T> spec, params string[] aliases)
    {
        var option = new SchemaOption<T>(spec, aliases) { Description = spec.Description, Required = spec.Required };
        if (!spec.Required && spec.DefaultValue is not (null or false or string[]))
            option.DefaultValueFactory = _ => spec.Default;
        if (spec.Choices is { } choices) option.AcceptOnlyFromAmong([.. choices]);
        else option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.GetValueOrDefault<T>() is T value && spec.Problem(value) is string problem)
                result.AddError($"{Wording.Name(spec)} {problem}");
        });
        return option;
    }

    /// <summary>A positional argument (e.g. MODEL_DIR) for a spec that the pipeline names <c>"name"</c>.</summary>
    public static Argument<T> Argument<T>(OptionSpec<T> spec, string label) => new SchemaArgument<T>(spec, label) { Description = spec.Description };

    /// <summary>The spec a flag or argument was built from (null for the CLI's own, such as --out and --force).</summary>
    public static OptionSpec? SpecOf(Symbol symbol) => symbol switch
    {
        ISchemaSymbol s => s.Spec,
        _ => null,
    };

    private interface ISchemaSymbol
    {
        OptionSpec Spec { get; }
    }

    private sealed class SchemaOption<T>(OptionSpec<T> spec, string[] aliases) : Option<T>("--" + spec.Name, aliases), ISchemaSymbol
    {
        public OptionSpec Spec => spec;
    }

    private sealed class SchemaArgument<T>(OptionSpec<T> spec, string label) : Argument<T>(label), ISchemaSymbol
    {
        public OptionSpec Spec => spec;
    }

    private sealed class FlagWording : IOptionWording
    {
        public string Name(OptionSpec option) => "--" + option.Name;

        public string Setting(OptionSpec option, object? value) => value switch
        {
            true => Name(option),
            IFormattable f => $"{Name(option)} {f.ToString(null, CultureInfo.InvariantCulture)}",
            _ => $"{Name(option)} {value}",
        };
    }
}
