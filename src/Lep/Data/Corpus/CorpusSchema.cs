using Lep.Options;

namespace Lep.Data.Corpus;

/// <summary>The options of `lep data build` and the "corpus" stage kind.</summary>
internal static class CorpusSchema
{
    public static readonly OptionSpec<string> Profile = OptionSpec.Choice("profile", "full", "full (~20 MB per language) or test (a few small packages: tests, the smoke " +
        "demo)", "full", "test");
}
