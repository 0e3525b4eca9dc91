using Lep.Cli;

namespace Lep.Tests.Cli;

/// <summary>With stderr redirected (a log, CI) a phase longer than 2 s prints its progress, at most every 15 s, and
/// its time at the end; a shorter one prints nothing, so a failing command's error stays one line.</summary>
public sealed class PlainProgressLinesTests
{
    [Fact]
    public void A_short_step_prints_nothing_and_a_long_one_shows_it_is_alive()
    {
        var now = TimeSpan.Zero;
        var log = new StringWriter();
        var lines = new PlainProgressLines(log, "eval / copy_ru", () => now);
        for (int i = 0; i <= 10; i++)
        {
            lines.Report(i / 10.0);
            now += TimeSpan.FromSeconds(0.1);
        }
        Assert.Empty(Lines(log));

        lines = new PlainProgressLines(log, "teacher", () => now);
        for (int i = 0; i <= 100; i++)
        {
            lines.Report("answering", i / 100.0);
            now += TimeSpan.FromSeconds(1);
        }
        string[] seen = Lines(log);
        Assert.Equal("teacher: answering: 2% (2 s)", seen[0]);
        Assert.Equal("teacher: answering: 17% (17 s)", seen[1]);
        Assert.Equal("teacher: answering: done (100.0 s)", seen[^1]);
        Assert.Equal(2 + (100 - 2) / 15, seen.Length);
    }

    [Fact]
    public void Each_phase_is_timed_on_its_own_and_a_step_that_never_reports_still_gets_its_time()
    {
        var now = TimeSpan.Zero;
        var log = new StringWriter();
        var lines = new PlainProgressLines(log, "calibrating", () => now);
        lines.Report("tokenizing", 0);
        now += TimeSpan.FromSeconds(1);
        lines.Report("tokenizing", 1);                    // 1 s: quiet
        lines.Report("training", 0.5);
        now += TimeSpan.FromSeconds(3);
        lines.Report("training", 1);
        lines.Report("training", 1);                      // reported again: nothing more
        Assert.Equal(["calibrating: training: done (3.0 s)"], Lines(log));

        log.GetStringBuilder().Clear();
        lines = new PlainProgressLines(log, "loading", () => now);
        now += TimeSpan.FromSeconds(5);
        lines.Report(1);                                  // loading reports only its end
        Assert.Equal(["loading: done (5.0 s)"], Lines(log));
    }

    private static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
