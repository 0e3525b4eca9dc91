using System.Globalization;

namespace Lep.Options;

/// <summary>An option set to a value, inside a message (see <see cref="OptionSpec{T}.Is"/>).</summary>
internal sealed record OptionSetting(OptionSpec Option, object? Value);

/// <summary>How a caller names options in its messages: the CLI as flags (<c>--trainable embeddings</c>), a pipeline
/// file as keys (<c>"trainable": "embeddings"</c>).</summary>
internal interface IOptionWording
{
    string Name(OptionSpec option);
    string Setting(OptionSpec option, object? value);
}

/// <summary>
/// Options that a job refuses: a value out of range, options that contradict each other, or what an option names
/// (a model dir without config.json, a device this build lacks). It carries the options
/// it is about (<see cref="Subject"/> and those inside <see cref="Problem"/>, as <see cref="OptionSpec"/> or
/// <see cref="OptionSetting"/> arguments), so each caller words it: <see cref="Format"/>. Its
/// <see cref="Exception.Message"/> uses the bare names, for callers that do not.
/// </summary>
public sealed class OptionException : ArgumentException
{
    /// <param name="subject">the option the problem is about, or null for the options as a whole</param>
    /// <param name="problem">what is wrong, without the subject's name; options inside it as interpolated
    /// <see cref="OptionSpec"/> / <see cref="OptionSetting"/> values</param>
    internal OptionException(OptionSpec? subject, FormattableString problem) : base(Compose(subject, problem, BareWording.Instance))
    {
        Subject = subject;
        Problem = problem;
    }

    /// <summary>A problem of the options as a whole (e.g. two that exclude each other).</summary>
    internal OptionException(FormattableString problem) : this(null, problem)
    {
    }

    internal OptionSpec? Subject { get; }
    internal FormattableString Problem { get; }

    /// <summary>Every option the problem names, the subject first.</summary>
    internal IEnumerable<OptionSpec> Options =>
        (Subject is null ? [] : new[] { Subject }).Concat(Problem.GetArguments().Select(a => a switch
        {
            OptionSpec s => s,
            OptionSetting v => v.Option,
            _ => null,
        }).OfType<OptionSpec>());

    /// <summary>The problem alone, its options in <paramref name="wording"/>.</summary>
    internal string FormatProblem(IOptionWording wording) => Word(Problem, wording);

    /// <summary>"SUBJECT problem" in <paramref name="wording"/>.</summary>
    internal string Format(IOptionWording wording) => Compose(Subject, Problem, wording);

    private static string Compose(OptionSpec? subject, FormattableString problem, IOptionWording wording) =>
        subject is null ? Word(problem, wording) : $"{wording.Name(subject)} {Word(problem, wording)}";

    private static string Word(FormattableString problem, IOptionWording wording) =>
        string.Format(CultureInfo.InvariantCulture, problem.Format, problem.GetArguments().Select(a => a switch
        {
            OptionSpec s => wording.Name(s),
            OptionSetting v => wording.Setting(v.Option, v.Value),
            _ => a,
        }).ToArray());

    private sealed class BareWording : IOptionWording
    {
        public static readonly BareWording Instance = new();
        public string Name(OptionSpec option) => option.Name;
        public string Setting(OptionSpec option, object? value) => value is true ? option.Name : $"{option.Name} = {value}";
    }
}
