namespace Lep.Tests.Support;

/// <summary>
/// The tests' data files (tests/DATA.md lists them), each looked up in order in: <c>$LEP_TEST_DATA</c>
/// (<c>$LEP_SHARED_DATA</c>, its older name), <c>../shared/data</c> beside the checkout (our machines and CI), and
/// <c>.test-data/</c> in the checkout, which ./test.sh fills on first run (build/test-data.sh). A file found nowhere
/// skips the test asking for it with one line saying what is missing and how to provide it; tests that may ask must
/// be [SkippableFact]/[SkippableTheory]. The product never reads any of this.
/// </summary>
public static class TestData
{
    public static IReadOnlyList<string> Roots { get; } = FindRoots();

    public static string Corpus(string name) => Require("corpus/" + name);
    public static string Tokenizer(string name) => Require("tokenizers/" + name);
    public static string Bench(string name) => Require("bench/" + name);

    /// <summary>The first root holding <paramref name="relative"/> ('/'-separated), or null.</summary>
    public static string? Find(string relative) =>
        Roots.Select(r => Path.Combine(r, relative)).FirstOrDefault(p => File.Exists(p) || Directory.Exists(p));

    public static string Require(string relative) => Find(relative) ?? throw new SkipException(Missing(relative));

    public static string Missing(string relative) =>
        $"test data {relative} not found in {string.Join(", ", Roots)}: ./test.sh fetches what has a reachable public source; " +
        $"otherwise set LEP_TEST_DATA to a folder holding {relative} (tests/DATA.md says where it comes from)";

    private static List<string> FindRoots()
    {
        var roots = new List<string>();
        foreach (string name in new[] { "LEP_TEST_DATA", "LEP_SHARED_DATA" })
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } env) roots.Add(Path.GetFullPath(env));
        string checkout = TestZoo.CheckoutRoot;
        roots.Add(Path.GetFullPath(Path.Combine(checkout, "..", "shared", "data")));
        roots.Add(Path.Combine(checkout, ".test-data"));
        return roots;
    }
}
