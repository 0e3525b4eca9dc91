using System.Text;
using LLama.Native;

namespace Lep.Modeling.LlamaCpp;

/// <summary>
/// Captures llama.cpp's log instead of letting it print: it explains load failures, so errors quote its tail. The
/// callback can only be set before the native library loads, so every user of LLamaSharp in the process (the backend,
/// the tests' oracle) goes through <see cref="Ensure"/> first.
/// </summary>
internal static class LlamaCppLog
{
    private static readonly StringBuilder Log = new();
    private static readonly object Gate = new();
    private static bool _configured;

    public static void Ensure()
    {
        lock (Gate)
        {
            if (_configured) return;
            _configured = true;
            try
            {
                NativeLibraryConfig.All.WithLogCallback((level, message) =>
                {
                    lock (Log)
                    {
                        if (Log.Length > 200_000) Log.Remove(0, 100_000);
                        Log.Append(message);
                    }
                });
            }
            catch (InvalidOperationException)
            {
                // The library was loaded by a caller that skipped Ensure: llama.cpp logs to the console, nothing else changes.
            }
        }
    }

    /// <summary>The last <paramref name="chars"/> characters llama.cpp logged.</summary>
    public static string Recent(int chars = 4000)
    {
        lock (Log)
        {
            string s = Log.ToString();
            return s.Length <= chars ? s : s[^chars..];
        }
    }
}
