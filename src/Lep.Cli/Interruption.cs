using System.Runtime.InteropServices;
using Lep.Formats;

namespace Lep.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM: delete the partial outputs this process is writing, then exit with 130 / 143
/// (128 + the signal), as shells report a process the signal ended.
/// </summary>
public static class Interruption
{
    private static readonly List<PosixSignalRegistration> Registrations = [];

    public static void Install()
    {
        if (Registrations.Count > 0) return;
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, "SIGINT", 130)));
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, "SIGTERM", 143)));
    }

    private static void Stop(PosixSignalContext context, string signal, int exitCode)
    {
        context.Cancel = true;
        IReadOnlyList<string> removed = TemporaryPaths.RemoveAllAndClose();
        OutputLock.ReleaseAll();
        Console.Error.WriteLine(removed.Count == 0
            ? $"interrupted ({signal})"
            : $"interrupted ({signal}): removed the partial output {string.Join(", ", removed)}");
        Environment.Exit(exitCode);
    }
}
