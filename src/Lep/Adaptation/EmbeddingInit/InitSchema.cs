using Lep.Options;

namespace Lep.Adaptation.EmbeddingInit;

/// <summary>The options of `lep init` and the pipeline's "init" stage; <see cref="InitOptions"/> takes its defaults
/// and checks from here.</summary>
internal static class InitSchema
{
    public static readonly OptionSpec<string> Base = ModelRolesSchema.Base;
    public static readonly OptionSpec<string> Tokenizer = OptionSpec.Path("tokenizer",
        "the new tokenizer: a tokenizer.json or a dir holding one (with its tokenizer_config.json)");
    public static readonly OptionSpec<string> Method = OptionSpec.Choice("method", InitMethod.Mean,
        "rows of new tokens: mean (default), wmean, random, meancov (baseline), omp (baseline)");
    public static readonly OptionSpec<string> Head = OptionSpec.Choice("head", HeadInit.Own,
        "lm_head rows of new tokens: own (the method on the old head rows) or tie (the input embedding's vector)");
    public static readonly OptionSpec<int> Seed = OptionSpec.Int("seed", 0, "seed of random/meancov draws");
    public static readonly OptionSpec<double> WMeanDecay = OptionSpec.Number("wmean-decay", 0.5, "m in w_i ∝ exp(−m·i) for wmean", NumericRange.NonNegative);
    public static readonly OptionSpec<int> OmpAtoms = OptionSpec.Int("omp-atoms", 8, "shared tokens per new token for omp", min: 1);

    public static InitMethod ParseMethod(string name) => OptionSpec.ParseChoice<InitMethod>(name);
    public static HeadInit ParseHead(string name) => OptionSpec.ParseChoice<HeadInit>(name);
}
