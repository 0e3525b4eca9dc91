namespace Lep.Formats;

/// <summary>
/// Builds an output directory next to its final place and moves it there only on <see cref="Commit"/>, so a failed
/// or killed run never leaves a partial output behind. Disposing without committing deletes the staging dir, and so
/// does an interruption (<see cref="TemporaryPaths"/>); a later run removes what a killed one left
/// (<see cref="StaleOutputs"/>).
/// </summary>
/// <remarks>
/// An existing non-empty output is replaced only when the caller owns it and says so (<c>replace</c>: a pipeline
/// stage rewriting its own artifact, a checkpoint, a user's <c>--force</c>); otherwise it is refused when the staging
/// dir is made and again at the commit, and the output is locked (<see cref="OutputLock"/>) from the staging dir's
/// creation to its commit, so two runs racing for one output cannot replace each other's.
/// </remarks>
internal sealed class StagingDirectory : IDisposable
{
    public string FinalPath { get; }
    public string Path { get; }
    private readonly bool _replace;
    private readonly OutputLock.Handle _lock;
    private bool _committed;

    public StagingDirectory(string finalPath, bool replace)
    {
        FinalPath = System.IO.Path.GetFullPath(finalPath.TrimEnd('/', '\\'));
        _replace = replace;
        string parent = System.IO.Path.GetDirectoryName(FinalPath)!;
        Directory.CreateDirectory(parent);
        StaleOutputs.Clean(FinalPath);
        _lock = OutputLock.Acquire(FinalPath);
        try
        {
            RefuseExisting();
        }
        catch
        {
            _lock.Dispose();
            throw;
        }
        Path = StaleOutputs.Sibling(FinalPath, "staging");
        TemporaryPaths.Add(Path);
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        Directory.CreateDirectory(Path);
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Replaces <see cref="FinalPath"/> (if it exists and may be replaced) with the staged contents. The
    /// old output is moved aside first and deleted only once the new one is in place.</summary>
    public void Commit()
    {
        FaultPoint.Hold(FaultPoint.BeforeCommit);
        string? old = null;
        lock (TemporaryPaths.Gate)
        {
            TemporaryPaths.ThrowIfClosed();
            RefuseExisting();
            if (Directory.Exists(FinalPath))
            {
                old = StaleOutputs.Sibling(FinalPath, "old");
                Directory.Move(FinalPath, old);
                FaultPoint.Hold(FaultPoint.BetweenRenames);
            }
            Directory.Move(Path, FinalPath);
            _committed = true;
            TemporaryPaths.Remove(Path);
            if (old is not null) TemporaryPaths.Add(old);
        }
        if (old is not null)
        {
            Directory.Delete(old, recursive: true);
            TemporaryPaths.Remove(old);
        }
        _lock.Dispose();
    }

    private void RefuseExisting()
    {
        if (System.IO.File.Exists(FinalPath)) throw new LepInputException(FinalPath, "exists and is a file, not a directory");
        if (!_replace && Directory.Exists(FinalPath) && Directory.EnumerateFileSystemEntries(FinalPath).Any())
            throw new LepInputException(FinalPath, OutputTarget.ExistsProblem);
    }

    public void Dispose()
    {
        if (_committed) return;
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        TemporaryPaths.Remove(Path);
        _lock.Dispose();
    }
}
