namespace Lep.Formats;

/// <summary>
/// A path with every symbolic link resolved, component by component, as realpath(3) would, except that components
/// which do not exist yet are kept as written. Comparing outputs with inputs on these paths sees through links.
/// </summary>
internal static class RealPath
{
    private const int MaxLinks = 40; // Linux's limit (ELOOP)

    public static string Resolve(string path)
    {
        var rest = new List<string>(Components(Path.GetFullPath(path)));
        string current = "/";
        int links = 0;
        while (rest.Count > 0)
        {
            string part = rest[0];
            rest.RemoveAt(0);
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            string next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is string target)
            {
                if (++links > MaxLinks) throw new LepInputException(path, "too many levels of symbolic links (a symlink loop)");
                if (Path.IsPathRooted(target)) current = "/";
                rest.InsertRange(0, Components(target));
                continue;
            }
            current = next;
        }
        return current;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies below it (both resolved).</summary>
    public static bool IsSameOrUnder(string path, string ancestor) =>
        path == ancestor || path.StartsWith(ancestor == "/" ? "/" : ancestor + "/", StringComparison.Ordinal);

    private static string[] Components(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
