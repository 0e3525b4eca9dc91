using Lep.Options;

namespace Lep.Adaptation.Propagation;

/// <summary>The options of `lep propagate` and the pipeline's "propagate" stage; <see cref="PropagationOptions"/> takes
/// its defaults and checks from here.</summary>
internal static class PropagateSchema
{
    public static readonly OptionSpec<string> Base = ModelRolesSchema.Base;
    public static readonly OptionSpec<string> Instruct = ModelRolesSchema.Instruct;
    public static readonly OptionSpec<string> Donor = ModelRolesSchema.Donor;
    public static readonly OptionSpec<string> Mode = OptionSpec.Choice("mode", PropagationMode.Conversion,
        "swap, overlap, conversion (default), sum, cooccurrence or bypass (fit over the whole old vocabulary)");
    public static readonly OptionSpec<string> Compat = OptionSpec.Choice("compat", PropagationCompat.None,
        "none (default: our corrected reading) or ruadapt (the reference implementation's arithmetic, docs/adaptation.md)");
    public static readonly OptionSpec<string?> Corpus = OptionSpec.OptionalPath("corpus", "text tokenised both ways for --mode cooccurrence (.txt or .jsonl)");
    public static readonly OptionSpec<string> Precision = OptionSpec.Choice("precision", "fp64",
        "fp64 (default) or mixed (float32 block products summed in float64)", "fp64", "mixed");
    public static readonly OptionSpec<bool> SaveProjection = OptionSpec.Flag("save-projection", "also write each P (d × d float64, row-major) as projection-*.f64");

    public static PropagationMode ParseMode(string name) => OptionSpec.ParseChoice<PropagationMode>(name);
    public static PropagationCompat ParseCompat(string name) => OptionSpec.ParseChoice<PropagationCompat>(name);
    public static FitPrecision ParsePrecision(string name) => name == "mixed" ? FitPrecision.Mixed : FitPrecision.Float64;
}
