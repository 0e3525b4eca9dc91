using System.Runtime.InteropServices;

namespace Lep.Formats;

/// <summary>What a command writes at its output path.</summary>
internal enum OutputKind
{
    /// <summary>A directory built in staging and renamed into place (replacing what was there only when allowed).</summary>
    Directory,
    /// <summary>A directory the command writes into and resumes from (eval's results and run cache).</summary>
    ResumableDirectory,
    /// <summary>One file written to a temp name and renamed into place.</summary>
    File,
}

/// <summary>
/// The checks every command makes on its output path before any work (docs/safety.md): the path resolves (no symlink
/// loop) and is of the right kind, its parent is a writable directory, an existing output is replaced only with
/// <c>replace</c> (<c>--force</c>), and never — forced or not — when the output is an input, holds one, or lies inside
/// one and already exists (replacing it would change that input). Inputs and output are compared as real paths.
/// </summary>
internal static class OutputTarget
{
    public const string ExistsProblem = "already exists and is not empty (--force replaces it)";

    /// <param name="output">the output path as the user gave it (named in errors)</param>
    /// <param name="inputs">every path the command reads; nulls (options not given) are skipped</param>
    /// <param name="resumable">for <see cref="OutputKind.ResumableDirectory"/>: an existing dir this command may continue</param>
    public static void Check(string output, OutputKind kind, bool replace, IEnumerable<string?> inputs, Func<string, bool>? resumable = null)
    {
        string real = RealPath.Resolve(output);
        StaleOutputs.Clean(real);
        foreach (string input in inputs.OfType<string>())
        {
            string realInput = RealPath.Resolve(input);
            if (real == realInput)
                throw new LepInputException(output, $"is an input of this command ({input}); write the output elsewhere");
            if (RealPath.IsSameOrUnder(realInput, real))
                throw new LepInputException(output, $"contains the input {input}; writing it would replace that input");
            if (RealPath.IsSameOrUnder(real, realInput) && Exists(real))
                throw new LepInputException(output, $"lies inside the input {input} and already exists; replacing it would change that input");
        }

        bool isFile = System.IO.File.Exists(real), isDir = System.IO.Directory.Exists(real);
        if (kind == OutputKind.File && isDir) throw new LepInputException(output, "is a directory; give a file path");
        if (kind != OutputKind.File && isFile) throw new LepInputException(output, "exists and is a file, not a directory");
        bool occupied = isFile || (isDir && System.IO.Directory.EnumerateFileSystemEntries(real).Any());
        if (occupied && !replace && !(kind == OutputKind.ResumableDirectory && resumable?.Invoke(real) == true))
            throw new LepInputException(output, kind == OutputKind.File ? "already exists (--force replaces it)" : ExistsProblem);
        CheckWritableParent(output, real);
    }

    private static bool Exists(string path) =>
        System.IO.File.Exists(path) || (System.IO.Directory.Exists(path) && System.IO.Directory.EnumerateFileSystemEntries(path).Any());

    /// <summary>The nearest existing ancestor (where the output or its parents will be created) must be a writable dir.</summary>
    private static void CheckWritableParent(string output, string real)
    {
        string? dir = Path.GetDirectoryName(real);
        while (dir is not null && !Path.Exists(dir)) dir = Path.GetDirectoryName(dir);
        if (dir is null) return;
        if (!System.IO.Directory.Exists(dir)) throw new LepInputException(output, $"{dir} is a file, not a directory");
        if (OperatingSystem.IsWindows()) return;
        const int writeAndSearch = 2 | 1; // W_OK | X_OK
        if (Access(dir, writeAndSearch) != 0) throw new LepInputException(output, $"{dir} is not writable");
    }

    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
