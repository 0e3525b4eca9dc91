namespace Lep.Formats;

/// <summary>
/// The partial outputs this process is writing (staging dirs, temp files, an old output moved aside). When the
/// process is interrupted, <see cref="RemoveAllAndClose"/> deletes them before exit; afterwards nothing may be
/// committed or started, so an interrupted run leaves neither a partial output nor a half-finished commit.
/// </summary>
internal static class TemporaryPaths
{
    /// <summary>Held by a commit's renames and by <see cref="RemoveAllAndClose"/>, so neither sees the other half done.</summary>
    internal static readonly object Gate = new();
    private static readonly HashSet<string> Live = new(StringComparer.Ordinal);
    private static bool _closed;

    public static void Add(string path)
    {
        lock (Gate)
        {
            ThrowIfClosed();
            Live.Add(path);
        }
    }

    public static void Remove(string path)
    {
        lock (Gate) Live.Remove(path);
    }

    internal static void ThrowIfClosed()
    {
        if (_closed) throw new OperationCanceledException("the process is being interrupted");
    }

    /// <summary>Deletes every registered path and refuses new ones; returns the paths deleted.</summary>
    public static IReadOnlyList<string> RemoveAllAndClose()
    {
        lock (Gate)
        {
            _closed = true;
            var removed = new List<string>();
            foreach (string path in Live)
            {
                try
                {
                    if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                    else if (System.IO.File.Exists(path)) System.IO.File.Delete(path);
                    else continue;
                    removed.Add(path);
                }
                catch (IOException) { } // a file still being written: the next run's stale-output cleanup takes it
                catch (UnauthorizedAccessException) { }
            }
            Live.Clear();
            return removed;
        }
    }

    /// <summary>Registers a temp file for the duration of a write; the caller moves or deletes it.</summary>
    public static TemporaryFile File(string path) => new(path);

    public readonly struct TemporaryFile : IDisposable
    {
        public string Path { get; }

        internal TemporaryFile(string path)
        {
            Path = path;
            Add(path);
        }

        public void Dispose() => Remove(Path);
    }
}
