namespace Lep;

/// <summary>
/// Bad input from the user: a file that is missing, truncated, malformed or inconsistent. The CLI prints
/// <see cref="Exception.Message"/> as one line ("PATH: problem") and exits with code 2.
/// </summary>
public sealed class LepInputException : Exception
{
    /// <summary>The file or directory at fault.</summary>
    public string Path { get; }
    /// <summary>What is wrong with it, without the path.</summary>
    public string Problem { get; }

    /// <summary>A problem with <paramref name="path"/>, worded without the path (the message is "PATH:
    /// problem").</summary>
    public LepInputException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }
}
