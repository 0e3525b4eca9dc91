using Lep.Cli.Commands;
using Lep.Training;

namespace Lep.Cli;

/// <summary>The one console implementation of <see cref="IJobUi"/>: progress bars on stderr, or plain lines when stderr
/// is redirected (a log file, CI), so that no phase runs for minutes without a word.</summary>
public class ConsoleJobUi : IJobUi
{
    public T Step<T>(string label, Func<IProgress<double>, T> work) => ConsoleUi.WithProgress(label, work);

    public void Note(string line) => Console.Error.WriteLine(line);

    public T Train<T>(string label, Func<IProgress<(string Stage, double Fraction)>, IProgress<TrainingProgress>, T> work) =>
        TrainingConsole.Show(label, steps => work(ConsoleUi.PhaseLines(label), steps));
}

/// <summary>
/// Progress as plain lines. A phase that ends within <see cref="Quiet"/> prints nothing (fast commands and their
/// one-line errors stay clean); a longer one prints its progress once it passes that, then at most one line every
/// <see cref="Interval"/>, and a last line with its time.
/// </summary>
public sealed class PlainProgressLines
{
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2), Interval = TimeSpan.FromSeconds(15);

    private readonly TextWriter _writer;
    private readonly string _label;
    private readonly Func<TimeSpan> _clock;
    private string? _phase;
    private TimeSpan _phaseStarted, _lastLine;
    private bool _begun, _printed, _ended;

    public PlainProgressLines(TextWriter writer, string label, Func<TimeSpan>? clock = null)
    {
        _writer = writer;
        _label = label;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _clock = clock ?? (() => watch.Elapsed);
        _phaseStarted = _clock();
    }

    public void Report(double fraction) => Report(null, fraction);

    public void Report(string? phase, double fraction)
    {
        TimeSpan now = _clock();
        if (!_begun || phase != _phase || _ended && fraction < 1)
        {
            if (_begun) _phaseStarted = now;   // the first phase began when the step did, whatever it reported first
            _begun = true;
            _phase = phase;
            _printed = _ended = false;
        }
        if (_ended) return;
        string name = phase is null ? _label : $"{_label}: {phase}";
        TimeSpan elapsed = now - _phaseStarted;
        if (fraction >= 1)
        {
            if (_printed || elapsed >= Quiet) Write($"{name}: done ({elapsed.TotalSeconds:0.0} s)", now);
            _ended = true;
        }
        else if (_printed ? now - _lastLine >= Interval : elapsed >= Quiet)
            Write($"{name}: {Math.Clamp(fraction, 0, 1) * 100:0}% ({elapsed.TotalSeconds:0} s)", now);
    }

    private void Write(string line, TimeSpan now)
    {
        _writer.WriteLine(line);
        _writer.Flush();
        _printed = true;
        _lastLine = now;
    }
}
