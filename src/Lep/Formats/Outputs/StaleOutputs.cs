using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Lep.Formats;

/// <summary>
/// The hidden siblings a write leaves beside its output while it runs — <c>.NAME.staging-PID/</c>, <c>.NAME.tmp-PID</c>,
/// the writer's lock <c>.NAME.lock-PID</c> and, during a commit, the old output moved aside as <c>.NAME.old-PID</c> —
/// and their cleanup once that process is gone: partial outputs and locks are deleted, and an old output whose
/// replacement never arrived is moved back.
/// </summary>
internal static class StaleOutputs
{
    public static string Sibling(string finalPath, string kind, int pid) =>
        Path.Combine(Path.GetDirectoryName(finalPath)!, $".{Path.GetFileName(finalPath)}.{kind}-{pid}");

    public static string Sibling(string finalPath, string kind) => Sibling(finalPath, kind, Environment.ProcessId);

    /// <summary>Cleans up after writers of <paramref name="finalPath"/> that died (killed, crashed) and returns what it did.</summary>
    public static IReadOnlyList<string> Clean(string finalPath)
    {
        string full = Path.GetFullPath(finalPath.TrimEnd('/'));
        string? parent = Path.GetDirectoryName(full);
        var done = new List<string>();
        if (parent is null || !Directory.Exists(parent)) return done;
        var pattern = new Regex($@"^\.{Regex.Escape(Path.GetFileName(full))}\.(staging|tmp|old|lock)-(\d+)$", RegexOptions.CultureInvariant);
        foreach (string entry in Directory.EnumerateFileSystemEntries(parent).Order(StringComparer.Ordinal))
        {
            Match m = pattern.Match(Path.GetFileName(entry));
            if (!m.Success || !int.TryParse(m.Groups[2].Value, out int pid) || IsRunning(pid)) continue;
            if (m.Groups[1].Value == "old" && !Path.Exists(full))
            {
                // Killed between the two renames of a commit: the old output is the last complete one.
                Directory.Move(entry, full);
                done.Add($"restored {full} from {entry}");
                continue;
            }
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
            done.Add($"removed {entry}");
        }
        return done;
    }

    /// <summary>Deletes the work dirs <c>NAME-PID</c> in <paramref name="parent"/> (such as data build's
    /// <c>unpacked-PID</c> in the packages cache) whose process is gone.</summary>
    public static void CleanProcessDirectories(string parent, string name)
    {
        if (!Directory.Exists(parent)) return;
        var pattern = new Regex($@"^{Regex.Escape(name)}-(\d+)$", RegexOptions.CultureInvariant);
        foreach (string dir in Directory.EnumerateDirectories(parent))
            if (pattern.Match(Path.GetFileName(dir)) is { Success: true } m && int.TryParse(m.Groups[1].Value, out int pid) && !IsRunning(pid))
                Directory.Delete(dir, recursive: true);
    }

    /// <summary>Whether process <paramref name="pid"/> still runs (this process always does).</summary>
    public static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
