namespace Lep.Options;

/// <summary>
/// One option of a job, declared once in the job's schema (a static class such as <c>TrainingSchema</c>): its name
/// (kebab-case; the CLI shows it as <c>--name</c>, a pipeline stage as <c>"name"</c>), help text, default, allowed
/// values and value check. The library's options records take their defaults from it, the CLI builds its flags from
/// it and the pipeline's stage kinds read their options through it, so the three cannot disagree. A check returns the
/// problem without the option's name ("must be ≥ 1, not 0"): each caller names the option in its own words.
/// </summary>
internal abstract class OptionSpec
{
    private protected OptionSpec(string name, string description, bool required, IReadOnlyList<string>? choices, bool isPath)
    {
        if (name.Length == 0 || name.StartsWith('-') || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            throw new ArgumentException($"option name '{name}' is not kebab-case without dashes in front");
        Name = name;
        Description = description;
        Required = required;
        Choices = choices;
        IsPath = isPath;
    }

    public string Name { get; }

    /// <summary>The help text (one line).</summary>
    public string Description { get; }

    /// <summary>The option must be given: it has no default.</summary>
    public bool Required { get; }

    /// <summary>The only values allowed (lower case), or null for any value that passes the check.</summary>
    public IReadOnlyList<string>? Choices { get; }

    /// <summary>A file or directory: a pipeline resolves it relative to its file or to an earlier stage's artifact.</summary>
    public bool IsPath { get; }

    /// <summary>The value's type: int, int?, long, double, bool, string (null = unset) or string[] (repeatable).</summary>
    public abstract Type ValueType { get; }

    /// <summary>The default, boxed (null for a required option and for "unset").</summary>
    public abstract object? DefaultValue { get; }

    public override string ToString() => Name;

    // ------------------------------------------------------------------ declarations

    public static OptionSpec<int> Int(string name, int @default, string description, int min = int.MinValue, int max = int.MaxValue) =>
        new(name, description, @default, IntegerCheck(min, max));

    public static OptionSpec<int> RequiredInt(string name, string description, int min = int.MinValue) =>
        new(name, description, 0, IntegerCheck(min, int.MaxValue), required: true);

    /// <summary>An integer that may be left unset (null).</summary>
    public static OptionSpec<int?> OptionalInt(string name, string description, int min = int.MinValue)
    {
        Func<int, string?> check = IntegerCheck(min, int.MaxValue);
        return new(name, description, null, v => v is int x ? check(x) : null);
    }

    public static OptionSpec<long> Long(string name, long @default, string description, long min = long.MinValue) =>
        new(name, description, @default, v => v < min ? NumericRange.AtLeast(min).Problem(v) : null);

    /// <summary>A floating-point number; never NaN or ±∞, whatever <paramref name="range"/>.</summary>
    public static OptionSpec<double> Number(string name, double @default, string description, NumericRange? range = null) =>
        new(name, description, @default, NumberCheck(range));

    public static OptionSpec<double> RequiredNumber(string name, string description, NumericRange? range = null) =>
        new(name, description, 0, NumberCheck(range), required: true);

    /// <summary>A switch: given = true, default false.</summary>
    public static OptionSpec<bool> Flag(string name, string description) => new(name, description, false, null);

    /// <summary>One of <paramref name="choices"/> (lower case), <paramref name="default"/> when not given.</summary>
    public static OptionSpec<string> Choice(string name, string @default, string description, params string[] choices)
    {
        if (!choices.Contains(@default)) throw new ArgumentException($"option '{name}': default '{@default}' is not one of its choices");
        return new(name, description, @default, null, choices: choices);
    }

    /// <summary>One of <typeparamref name="TEnum"/>'s members, named in lower case (the enum is the one list of
    /// choices, in its order); read the value back with <see cref="ParseChoice{TEnum}"/>.</summary>
    public static OptionSpec<string> Choice<TEnum>(string name, TEnum @default, string description) where TEnum : struct, Enum =>
        Choice(name, ChoiceName(@default), description, [.. Enum.GetValues<TEnum>().Select(ChoiceName)]);

    public static OptionSpec<string> RequiredChoice<TEnum>(string name, string description) where TEnum : struct, Enum =>
        RequiredChoice(name, description, [.. Enum.GetValues<TEnum>().Select(ChoiceName)]);

    /// <summary>The member a <see cref="Choice{TEnum}"/> value names.</summary>
    public static TEnum ParseChoice<TEnum>(string value) where TEnum : struct, Enum => Enum.Parse<TEnum>(value, ignoreCase: true);

    /// <summary>How a <see cref="Choice{TEnum}"/> names <paramref name="value"/>: its member name in lower case.</summary>
    public static string ChoiceName<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();

    public static OptionSpec<string> RequiredChoice(string name, string description, params string[] choices) =>
        new(name, description, "", null, required: true, choices: choices);

    /// <summary>One of <paramref name="choices"/>, or unset (null: the job decides, e.g. "the input's dtype").</summary>
    public static OptionSpec<string?> OptionalChoice(string name, string description, params string[] choices) =>
        new(name, description, null, null, choices: choices);

    /// <summary>Free text, <paramref name="default"/> when not given.</summary>
    public static OptionSpec<string> Text(string name, string @default, string description, Func<string, string?>? check = null) =>
        new(name, description, @default, check);

    /// <summary>Free text that must be given.</summary>
    public static OptionSpec<string> RequiredText(string name, string description) => new(name, description, "", null, required: true);

    /// <summary>Free text that may be left unset (null).</summary>
    public static OptionSpec<string?> OptionalText(string name, string description, Func<string, string?>? check = null) =>
        new(name, description, null, v => v is null ? null : check?.Invoke(v));

    /// <summary>Repeatable text (a list; empty when not given).</summary>
    public static OptionSpec<string[]> TextList(string name, string description) => new(name, description, [], null);

    /// <summary>A required file or directory.</summary>
    public static OptionSpec<string> Path(string name, string description) => new(name, description, "", null, required: true, isPath: true);

    public static OptionSpec<string?> OptionalPath(string name, string description) => new(name, description, null, null, isPath: true);

    /// <summary>One or more files or directories (repeatable).</summary>
    public static OptionSpec<string[]> Paths(string name, string description, bool required) =>
        new(name, description, [], null, required: required, isPath: true);

    private static Func<int, string?> IntegerCheck(int min, int max)
    {
        var range = new NumericRange(min == int.MinValue ? double.MinValue : min, max == int.MaxValue ? double.MaxValue : max);
        return v => v < min || v > max ? range.Problem((long)v) : null;
    }

    private static Func<double, string?> NumberCheck(NumericRange? range)
    {
        NumericRange r = range ?? NumericRange.Finite;
        return v => r.Problem(v);
    }
}

/// <summary>An option whose value is a <typeparamref name="T"/> (see <see cref="OptionSpec"/>).</summary>
internal sealed class OptionSpec<T> : OptionSpec
{
    private readonly Func<T, string?>? _check;

    internal OptionSpec(string name, string description, T @default, Func<T, string?>? check, bool required = false,
        IReadOnlyList<string>? choices = null, bool isPath = false)
        : base(name, description, required, choices, isPath)
    {
        Default = @default;
        _check = check;
    }

    /// <summary>The value when the option is not given (meaningless for a <see cref="OptionSpec.Required"/> one).</summary>
    public T Default { get; }

    public override Type ValueType => typeof(T);
    public override object? DefaultValue => Required ? null : Default;

    /// <summary>Null when <paramref name="value"/> is allowed, else what is wrong with it, without the option's name
    /// ("must be ≥ 1, not 0"; "'x' is not one of a, b").</summary>
    public string? Problem(T value)
    {
        if (Choices is not null && value is string s && !Choices.Contains(s))
            return $"'{s}' is not one of {string.Join(", ", Choices)}";
        return _check?.Invoke(value);
    }

    /// <summary>Throws <see cref="OptionException"/> naming this option when <paramref name="value"/> is not allowed.</summary>
    public void Require(T value)
    {
        if (Problem(value) is string problem) throw new OptionException(this, $"{problem}");
    }

    /// <summary>This option set to <paramref name="value"/>, for messages: "--trainable embeddings" on the command line,
    /// "\"trainable\": \"embeddings\"" in a pipeline.</summary>
    public OptionSetting Is(T value) => new(this, value);

    /// <summary>The same option with another default (a job that shares another's option, e.g. calibration's steps).</summary>
    public OptionSpec<T> WithDefault(T @default) => new(Name, Description, @default, _check, Required, Choices, IsPath);

    /// <summary>The same option with other help text.</summary>
    public OptionSpec<T> WithDescription(string description) => new(Name, description, Default, _check, Required, Choices, IsPath);
}
