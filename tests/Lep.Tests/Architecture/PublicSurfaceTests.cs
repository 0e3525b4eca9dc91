using System.Xml.Linq;
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

    /// <summary>CS1591 fails the build on a public member with no doc comment at all; a type documented by
    /// &lt;param&gt; tags alone passes it, so the summaries of the public types are checked here.</summary>
    [Fact]
    public void Public_types_have_a_summary()
    {
        var assembly = typeof(Tokenizer).Assembly;
        string xml = Path.ChangeExtension(assembly.Location, ".xml");
        var summaries = XDocument.Load(xml).Descendants("member")
            .Where(m => m.Element("summary") is { } s && s.Value.Trim().Length > 0)
            .Select(m => (string)m.Attribute("name")!).ToHashSet();
        string[] bare = assembly.GetExportedTypes().Select(t => t.FullName!).Where(n => !summaries.Contains("T:" + n)).ToArray();
        Assert.True(bare.Length == 0, $"public types without a <summary> in {xml}: {string.Join(", ", bare)}");
    }
}
