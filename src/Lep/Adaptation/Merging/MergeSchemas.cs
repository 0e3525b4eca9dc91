using Lep.Options;

namespace Lep.Adaptation.Merging;

/// <summary>The options of `lep merge chat-vector` and the pipeline's "chat-vector" stage.</summary>
internal static class ChatVectorSchema
{
    public static readonly OptionSpec<string> Base = ModelRolesSchema.Base;
    public static readonly OptionSpec<string> Instruct = ModelRolesSchema.Instruct;
    public static readonly OptionSpec<string> Donor = ModelRolesSchema.Donor;
    public static readonly OptionSpec<bool> SkipEmbed = OptionSpec.Flag("skip-embed", "keep the donor's embedding and head rows (special tokens still from I)");
}

/// <summary>The options of `lep merge linear|slerp` (the method is the subcommand) and the pipeline's "merge" stage;
/// <see cref="MergeOptions"/> takes its defaults and checks from here.</summary>
internal static class MergeSchema
{
    public static readonly OptionSpec<string> Method = OptionSpec.Choice("method", MergeMethod.Linear,
        "linear ((1 − w)·A + w·B per tensor) or slerp (spherical interpolation from A to B per tensor)");
    public static readonly OptionSpec<string> A = OptionSpec.Path("a", "model A (w = 0): its tokenizer and layout are kept; may have a larger vocabulary than B");
    public static readonly OptionSpec<string> B = OptionSpec.Path("b", "model B (w = 1): same architecture, its vocabulary A's first rows; its special-token rows are kept");
    public static readonly OptionSpec<double> Weight = OptionSpec.RequiredNumber("weight", "w in [0, 1]", NumericRange.Fraction);
    public static readonly OptionSpec<bool> MergeSpecialRows = OptionSpec.Flag("merge-special-rows",
        "merge B's special-token rows like the others instead of copying them from B");

    public static MergeMethod ParseMethod(string name) => OptionSpec.ParseChoice<MergeMethod>(name);
}
