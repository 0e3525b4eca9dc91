namespace Lep.Tests.Support;

/// <summary>
/// The development data (`../shared/data` beside the checkout; CI has it there too). LEP_SHARED_DATA overrides.
/// Tests may read it; the product never does.
/// </summary>
public static class TestData
{
    public static string Root { get; } = Find();

    public static string Corpus(string name) => Path.Combine(Root, "corpus", name);
    public static string Tokenizer(string name) => Path.Combine(Root, "tokenizers", name);
    public static string Bench(string name) => Path.Combine(Root, "bench", name);

    private static string Find()
    {
        string? env = Environment.GetEnvironmentVariable("LEP_SHARED_DATA");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Lep.slnx"))) continue;
            string beside = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
            if (Directory.Exists(beside)) return beside;
            throw new DirectoryNotFoundException($"development data not found at {beside}; set LEP_SHARED_DATA");
        }
        throw new DirectoryNotFoundException("cannot locate the checkout (Lep.slnx) above " + AppContext.BaseDirectory);
    }
}
