using System.Diagnostics;
using System.Text.Json;

namespace Lep;

/// <summary>
/// Runs named build stages whose output is a directory under a work dir: a stage whose directory exists is finished
/// and skipped (stages write to a temp dir and rename, so an existing dir is complete). Records each stage's seconds
/// in stage-seconds.json, so a resumed build still reports how long the stages it skips took when they ran.
/// </summary>
internal sealed class StageRunner(string workDirectory, Action<string> note)
{
    public Dictionary<string, double> Seconds { get; } = [];
    private string SecondsFile => Path("stage-seconds.json");

    public string Path(string name) => System.IO.Path.Combine(workDirectory, name);

    /// <param name="run">builds the stage and returns its directory (normally <see cref="Path"/>(name))</param>
    public string Run(string name, Func<string> run)
    {
        var clock = Stopwatch.StartNew();
        string dir = Path(name);
        Dictionary<string, double> recorded = File.Exists(SecondsFile)
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(SecondsFile)) ?? [] : [];
        if (Directory.Exists(dir))
        {
            note($"{name}: done before, reusing {dir}");
            Seconds[name] = recorded.GetValueOrDefault(name);
            return dir;
        }
        dir = run();
        Seconds[name] = recorded[name] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        File.WriteAllText(SecondsFile, JsonSerializer.Serialize(recorded));
        return dir;
    }
}
