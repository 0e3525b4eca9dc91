using Lep.Options;

namespace Lep.Adaptation.Propagation;

/// <summary>The options of `lep propagate` and the pipeline's "propagate" stage; <see cref="PropagationOptions"/> takes
/// its defaults and checks from here.</summary>
internal static class PropagateSchema
{
    public static readonly OptionSpec<string> Base = OptionSpec.Path("base", "the base model dir (B, old vocabulary)");
    public static readonly OptionSpec<string> Instruct = OptionSpec.Path("instruct", "the instruct model dir (I, same vocabulary as B)");
    public static readonly OptionSpec<string> Donor = OptionSpec.Path("donor", "the donor dir (D: B with the new vocabulary, trained embeddings)");
    public static readonly OptionSpec<string> Mode = OptionSpec.Choice("mode", "conversion",
        "swap, overlap, conversion (default), sum, cooccurrence or bypass (fit over the whole old vocabulary)",
        "swap", "overlap", "conversion", "sum", "cooccurrence", "bypass");
    public static readonly OptionSpec<string> Compat = OptionSpec.Choice("compat", "none",
        "none (default: our corrected reading) or ruadapt (the reference implementation's arithmetic, docs/adaptation.md)", "none", "ruadapt");
    public static readonly OptionSpec<string?> Corpus = OptionSpec.OptionalPath("corpus", "text tokenised both ways for --mode cooccurrence (.txt or .jsonl)");
    public static readonly OptionSpec<string> Precision = OptionSpec.Choice("precision", "fp64",
        "fp64 (default) or mixed (float32 block products summed in float64)", "fp64", "mixed");
    public static readonly OptionSpec<bool> SaveProjection = OptionSpec.Flag("save-projection", "also write each P (d × d float64, row-major) as projection-*.f64");

    public static PropagationMode ParseMode(string name) => Enum.Parse<PropagationMode>(name, ignoreCase: true);
    public static PropagationCompat ParseCompat(string name) => Enum.Parse<PropagationCompat>(name, ignoreCase: true);
    public static FitPrecision ParsePrecision(string name) => name == "mixed" ? FitPrecision.Mixed : FitPrecision.Float64;
}
