namespace Lep;

/// <summary>
/// Bad input from the user: a file that is missing, truncated, malformed or inconsistent. The CLI prints
/// <see cref="Exception.Message"/> as one line ("PATH: problem") and exits with code 2.
/// </summary>
public sealed class LepInputException : Exception
{
    public string Path { get; }
    public string Problem { get; }

    public LepInputException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }
}
