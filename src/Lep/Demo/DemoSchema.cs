using Lep.Options;

namespace Lep.Demo;

/// <summary>The options of `lep demo` (with <see cref="Runtime.DeviceSchema"/>); <see cref="DemoOptions"/> holds them.</summary>
internal static class DemoSchema
{
    public static readonly OptionSpec<string> Out = OptionSpec.Text("out", "demo-out", "where the demo writes everything (reused and resumed on the next run)");
    public static readonly OptionSpec<string?> Zoo = OptionSpec.OptionalPath("zoo",
        "a dir with lep-tiny-base/ and lep-tiny-instruct/ (default: assets/zoo of this checkout)");
    public static readonly OptionSpec<string?> Corpus = OptionSpec.OptionalPath("corpus",
        "a corpus dir from `lep data build` (default: build the small test profile from Debian packages, cached in OUT)");
    public static readonly OptionSpec<bool> Smoke = OptionSpec.Flag("smoke", "toy sizes (seconds): checks the stages run, measures nothing");
    public static readonly OptionSpec<bool> Full = OptionSpec.Flag("full", "the reference table: 300 items per task, donors trained 4× longer (~1 h on 2 cores)");
}
