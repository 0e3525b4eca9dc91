using System.Diagnostics;

namespace Lep;

/// <summary>
/// Runs named build stages whose output is a directory under a work dir: a stage whose directory exists is finished
/// and skipped (stages write to a temp dir and rename, so an existing dir is complete). Records each stage's seconds.
/// </summary>
public sealed class StageRunner(string workDirectory, Action<string> note)
{
    public Dictionary<string, double> Seconds { get; } = [];

    public string Path(string name) => System.IO.Path.Combine(workDirectory, name);

    /// <param name="run">builds the stage and returns its directory (normally <see cref="Path"/>(name))</param>
    public string Run(string name, Func<string> run)
    {
        var clock = Stopwatch.StartNew();
        string dir = Path(name);
        if (Directory.Exists(dir)) note($"{name}: done before, reusing {dir}");
        else dir = run();
        Seconds[name] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        return dir;
    }
}
