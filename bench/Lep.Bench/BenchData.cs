namespace Lep.Bench;

/// <summary>
/// The benches' data files, found where the tests find theirs (tests/DATA.md): <c>--data DIR</c>, <c>$LEP_TEST_DATA</c>,
/// <c>../shared/data</c> beside the checkout, then the checkout's <c>.test-data/</c> that ./test.sh fills.
/// </summary>
public static class BenchData
{
    public static string Root(string[] args)
    {
        int i = Array.IndexOf(args, "--data");
        if (i >= 0 && i + 1 < args.Length) return Path.GetFullPath(args[i + 1]);
        string? checkout = Checkout();
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("LEP_TEST_DATA") is { Length: > 0 } env) candidates.Add(env);
        if (checkout is not null) candidates.AddRange([Path.Combine(checkout, "..", "shared", "data"), Path.Combine(checkout, ".test-data")]);
        return candidates.Select(Path.GetFullPath).FirstOrDefault(Directory.Exists)
               ?? throw new DirectoryNotFoundException($"bench data not found in {string.Join(", ", candidates)}: run ./test.sh once (it fills .test-data/) or pass --data DIR");
    }

    private static string? Checkout()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lep.slnx"))) return dir.FullName;
        return null;
    }
}
