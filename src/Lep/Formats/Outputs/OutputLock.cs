using System.Text.RegularExpressions;

namespace Lep.Formats;

/// <summary>
/// One writer per output path at a time. A writer marks the output with <c>.NAME.lock-PID</c> beside it, then looks
/// for another live process's marker and, finding one, removes its own and refuses: of two writers starting together
/// at least one sees the other, so two never write one output (and two never leave a mixed one). Markers of processes
/// that are gone are stale and removed (<see cref="StaleOutputs"/>). Within one process the lock is re-entrant: the
/// command holds its output from its up-front check to its exit (<see cref="Hold"/>), and every
/// <see cref="StagingDirectory"/> holds its final path until it is committed or dropped (<see cref="Acquire"/>).
/// </summary>
internal static class OutputLock
{
    private static readonly Dictionary<string, int> Held = new(StringComparer.Ordinal);

    /// <summary>Holds <paramref name="output"/> until <see cref="ReleaseAll"/> (the end of the command).</summary>
    public static void Hold(string output) => Acquire(output);

    /// <summary>Takes (or, in this process, takes again) the lock of <paramref name="output"/>; disposing the result
    /// gives this hold back. Refuses (exit 2) while another live lep process holds it.</summary>
    public static Handle Acquire(string output)
    {
        string full = RealPath.Resolve(output.TrimEnd('/'));
        string? parent = Path.GetDirectoryName(full);
        // Nothing can be written there before the parent exists; the staging dir that creates it takes the lock.
        if (parent is null || !Directory.Exists(parent)) return default;
        string marker = StaleOutputs.Sibling(full, "lock");
        lock (Held)
        {
            if (Held.TryGetValue(marker, out int holds))
            {
                Held[marker] = holds + 1;
                return new Handle(marker);
            }
            File.WriteAllText(marker, $"{Environment.ProcessId}\n");
            if (OtherWriter(full) is int pid)
            {
                File.Delete(marker);
                throw new LepInputException(output, $"is being written by another lep process (PID {pid}); wait for it to finish, or stop it, and run again");
            }
            Held[marker] = 1;
            return new Handle(marker);
        }
    }

    /// <summary>Gives back every lock this process holds (the command is done, or interrupted).</summary>
    public static void ReleaseAll()
    {
        lock (Held)
        {
            foreach (string marker in Held.Keys) Delete(marker);
            Held.Clear();
        }
    }

    private static void Release(string marker)
    {
        lock (Held)
        {
            if (!Held.TryGetValue(marker, out int holds)) return;
            if (holds > 1)
            {
                Held[marker] = holds - 1;
                return;
            }
            Held.Remove(marker);
            Delete(marker);
        }
    }

    private static void Delete(string marker)
    {
        try
        {
            File.Delete(marker);
        }
        catch (IOException) { } // the next writer's stale-output cleanup takes it
        catch (UnauthorizedAccessException) { }
    }

    private static int? OtherWriter(string full)
    {
        var pattern = new Regex($@"^\.{Regex.Escape(Path.GetFileName(full))}\.lock-(\d+)$", RegexOptions.CultureInvariant);
        foreach (string entry in Directory.EnumerateFiles(Path.GetDirectoryName(full)!))
            if (pattern.Match(Path.GetFileName(entry)) is { Success: true } m && int.TryParse(m.Groups[1].Value, out int pid)
                && pid != Environment.ProcessId && StaleOutputs.IsRunning(pid))
                return pid;
        return null;
    }

    /// <summary>One hold of an output's lock; <c>default</c> holds nothing.</summary>
    public readonly struct Handle(string? marker) : IDisposable
    {
        public void Dispose()
        {
            if (marker is not null) Release(marker);
        }
    }
}
