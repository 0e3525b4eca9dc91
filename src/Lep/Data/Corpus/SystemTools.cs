namespace Lep.Data.Corpus;

/// <summary>The external programs `lep data build` uses, looked up on PATH.</summary>
internal sealed record SystemTools(string AptGet, string AptCache, string DpkgDeb, string? Groff, string? Col)
{
    /// <summary>Finds the tools; throws a one-line <see cref="LepInputException"/> when apt or dpkg-deb is missing.</summary>
    public static SystemTools Find(string? pathVariable = null)
    {
        string path = pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "";
        string? aptGet = Which("apt-get", path), aptCache = Which("apt-cache", path), dpkgDeb = Which("dpkg-deb", path);
        var missing = new List<string>();
        if (aptGet is null) missing.Add("apt-get");
        if (aptCache is null) missing.Add("apt-cache");
        if (dpkgDeb is null) missing.Add("dpkg-deb");
        if (missing.Count > 0)
            throw new LepInputException(string.Join(", ", missing),
                "not found: lep data build needs a Debian-style system with apt-get, apt-cache and dpkg-deb; elsewhere pass your own text with --corpus DIR (ru_train.txt, " +
                    "en_train.txt, …) to the later stages");
        return new SystemTools(aptGet!, aptCache!, dpkgDeb!, Which("groff", path), Which("col", path));
    }

    public static string? Which(string name, string path)
    {
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows()
                || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                return candidate;
        }
        return null;
    }
}
