namespace Lep.Formats;

/// <summary>
/// Builds an output directory next to its final place and moves it there only on <see cref="Commit"/>, so a failed
/// or killed run never leaves a partial output behind. Disposing without committing deletes the staging dir.
/// </summary>
public sealed class StagingDirectory : IDisposable
{
    public string FinalPath { get; }
    public string Path { get; }
    private bool _committed;

    public StagingDirectory(string finalPath)
    {
        FinalPath = System.IO.Path.GetFullPath(finalPath.TrimEnd('/', '\\'));
        string parent = System.IO.Path.GetDirectoryName(FinalPath)!;
        Directory.CreateDirectory(parent);
        Path = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(FinalPath)}.staging-{Environment.ProcessId}");
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        Directory.CreateDirectory(Path);
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Replaces <see cref="FinalPath"/> (if it exists) with the staged contents.</summary>
    public void Commit()
    {
        string? old = null;
        if (Directory.Exists(FinalPath))
        {
            old = FinalPath + $".old-{Environment.ProcessId}";
            Directory.Move(FinalPath, old);
        }
        else if (System.IO.File.Exists(FinalPath))
        {
            throw new IOException($"{FinalPath}: exists and is a file, not a directory");
        }
        Directory.Move(Path, FinalPath);
        _committed = true;
        if (old is not null) Directory.Delete(old, recursive: true);
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
