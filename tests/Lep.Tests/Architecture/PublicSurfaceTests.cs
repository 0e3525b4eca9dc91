using Lep.Tests.Support;
using Lep.Tokenization;

namespace Lep.Tests.Architecture;

/// <summary>
/// The library's public types are exactly those listed in src/Lep/PublicApi.txt, so widening the surface (or
/// narrowing it) shows up as a reviewed diff of that file rather than as a keyword lost in a large change.
/// </summary>
public class PublicSurfaceTests
{
    private static string ListPath => Path.Combine(TestZoo.CheckoutRoot, "src", "Lep", "PublicApi.txt");

    [Fact]
    public void Public_types_are_the_checked_in_list()
    {
        string[] exported = typeof(Tokenizer).Assembly.GetExportedTypes()
            .Select(t => t.FullName!).Order(StringComparer.Ordinal).ToArray();
        string[] listed = File.ReadAllLines(ListPath).Where(l => l.Length > 0).ToArray();

        string[] added = exported.Except(listed).ToArray();
        string[] removed = listed.Except(exported).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"the public types of {typeof(Tokenizer).Assembly.GetName().Name} differ from {ListPath}; " +
            $"public but not listed: [{string.Join(", ", added)}]; listed but not public: [{string.Join(", ", removed)}]. " +
            "Make the type internal, or list it (sorted) if it belongs to the surface docs/library.md describes.");
        Assert.Equal(listed.Order(StringComparer.Ordinal), listed);
    }
}
