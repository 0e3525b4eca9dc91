using Spectre.Console;

namespace Lep.Cli;

/// <summary>Progress bars and tables go to stderr so stdout stays clean for results (generated text, JSON).</summary>
public static class ConsoleUi
{
    public static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>How progress shows: bars on a terminal, plain lines when stderr is redirected (a log, CI), or nothing;
    /// LEP_PROGRESS=bars|lines|none overrides.</summary>
    public static ProgressDisplay Progress { get; } = Environment.GetEnvironmentVariable("LEP_PROGRESS")?.ToLowerInvariant() switch
    {
        "none" => ProgressDisplay.None,
        "lines" => ProgressDisplay.Lines,
        "bars" => ProgressDisplay.Bars,
        _ => Console.IsErrorRedirected ? ProgressDisplay.Lines : ProgressDisplay.Bars,
    };

    /// <summary>Runs <paramref name="work"/> under a progress bar fed with fractions in [0, 1].</summary>
    public static T WithProgress<T>(string label, Func<IProgress<double>, T> work)
    {
        if (Progress == ProgressDisplay.None) return work(new Progress<double>());
        if (Progress == ProgressDisplay.Lines)
        {
            var lines = new PlainProgressLines(Console.Error, label);
            T done = work(new SyncProgress<double>(lines.Report));
            lines.Report(1.0);
            return done;
        }
        T result = default!;
        Err.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(label, maxValue: 1.0);
                result = work(new SyncProgress<double>(f => task.Value = Math.Clamp(f, 0, 1)));
                task.Value = 1.0;
            });
        return result;
    }

    public static void WithProgress(string label, Action<IProgress<double>> work) =>
        WithProgress<bool>(label, p => { work(p); return true; });

    /// <summary>Named phases as plain lines (<see cref="PlainProgressLines"/>) when progress shows as lines; otherwise
    /// nothing (a bar shows them as fractions, see <see cref="WithPhases"/>).</summary>
    public static IProgress<(string Stage, double Fraction)> PhaseLines(string label)
    {
        if (Progress != ProgressDisplay.Lines) return new SyncProgress<(string Stage, double Fraction)>(_ => { });
        var lines = new PlainProgressLines(Console.Error, label);
        return new SyncProgress<(string Stage, double Fraction)>(p => lines.Report(p.Stage, p.Fraction));
    }

    /// <summary>Work that reports named phases: one bar on a terminal (fractions), phase lines in a log.</summary>
    public static T WithPhases<T>(string label, Func<IProgress<(string Stage, double Fraction)>, T> work) =>
        Progress == ProgressDisplay.Lines
            ? work(PhaseLines(label))
            : WithProgress(label, p => work(new SyncProgress<(string Stage, double Fraction)>(x => p.Report(x.Fraction))));

}

public enum ProgressDisplay { Bars, Lines, None }
