using Lep.Adaptation;
using Lep.Options;

namespace Lep.Evaluation;

/// <summary>The options of `lep diagnose` and the "diagnose" stage kind (with <see cref="Runtime.DeviceSchema"/>): see
/// <see cref="PairDiagnostics"/>.</summary>
internal static class DiagnoseSchema
{
    public static readonly OptionSpec<string> Base = ModelRolesSchema.Base;
    public static readonly OptionSpec<string> Instruct = ModelRolesSchema.Instruct;
    public static readonly OptionSpec<string?> Corpus = OptionSpec.OptionalPath("corpus",
        "a corpus dir with en_heldout.txt / ru_heldout.txt: also measure in-context copying of both models");
    public static readonly OptionSpec<int> Passages = OptionSpec.Int("passages", 200, "held-out passages per language for the copy probe", min: 1);
}
