using Lep.Options;

namespace Lep.Adaptation;

/// <summary>The models an adaptation job reads, declared once for every job that takes them (propagate, chat-vector,
/// init, diagnose): the job schemas refer to these specs, and <see cref="ModelInput"/> names a model in errors by
/// the spec it was given as.</summary>
internal static class ModelRolesSchema
{
    public static readonly OptionSpec<string> Base = OptionSpec.Path("base", "the base model dir (B, the old vocabulary)");
    public static readonly OptionSpec<string> Instruct = OptionSpec.Path("instruct", "the instruct model dir (I, B's vocabulary)");
    public static readonly OptionSpec<string> Donor = OptionSpec.Path("donor",
        "the donor dir (D: B after continued pre-training, usually with the new vocabulary and trained embeddings)");
}
