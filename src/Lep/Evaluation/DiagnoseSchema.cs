using Lep.Options;

namespace Lep.Evaluation;

/// <summary>The options of `lep diagnose` and the "diagnose" stage kind (<see cref="PairDiagnostics"/>).</summary>
public static class DiagnoseSchema
{
    public static readonly OptionSpec<string> Base = OptionSpec.Path("base", "the base model dir");
    public static readonly OptionSpec<string> Instruct = OptionSpec.Path("instruct", "its instruct sibling (same vocabulary)");
    public static readonly OptionSpec<string?> Corpus = OptionSpec.OptionalPath("corpus", "a corpus dir with en_heldout.txt / ru_heldout.txt: also measure in-context copying of both models");
    public static readonly OptionSpec<int> Passages = OptionSpec.Int("passages", 200, "held-out passages per language for the copy probe", min: 1);
}
