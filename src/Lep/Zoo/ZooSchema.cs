using Lep.Options;

namespace Lep.Zoo;

/// <summary>The options of `lep zoo build` (with <see cref="Runtime.DeviceSchema"/>); <see cref="ZooBuildOptions"/> holds them.</summary>
internal static class ZooSchema
{
    public static readonly OptionSpec<string> Profile = OptionSpec.Choice("profile", "full",
        "full (the shipped models; hours on 2 cores), light (a light instruct stage like real ones; see README) or quick (minutes; toy scale)",
        "full", "light", "quick");
    public static readonly OptionSpec<string?> Corpus = OptionSpec.OptionalPath("corpus", "a corpus dir from `lep data build` (default: build one)");
    public static readonly OptionSpec<string?> Work = OptionSpec.OptionalPath("work", "where stages are kept for resuming (default: OUT.work)");
    public static readonly OptionSpec<string> Out = OptionSpec.Text("out", "assets/zoo", "where lep-tiny-base/, lep-tiny-instruct/ and manifest.json are written");
}
