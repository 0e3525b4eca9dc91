using Lep.Data;
using Lep.Options;

namespace Lep.Pipeline.Kinds;

/// <summary>"concat": the documents of several text files, in the order given, as one training text
/// (ARTIFACT/text.txt), e.g. Russian then English for a vocabulary and donor that should not forget English.</summary>
internal sealed class ConcatStage : StageKind
{
    public const string FileName = "text.txt";

    public override string Name => "concat";
    public override string Description => $"the documents of several text files, in order, as one training text (ARTIFACT/{FileName})";

    public override StageAction Bind(StageOptions o)
    {
        IReadOnlyList<string> files = o.Get(ConcatSchema.Files);
        return ctx =>
        {
            int documents = DocumentWriter.Write(Path.Combine(ctx.Output, FileName), files.SelectMany(DocumentReader.Read));
            return $"{FileName}: {documents:N0} documents from {files.Count} file(s)";
        };
    }
}

/// <summary>The options of the "concat" stage kind.</summary>
internal static class ConcatSchema
{
    public static readonly OptionSpec<string[]> Files = OptionSpec.Paths("files", "text files joined in this order into one corpus (documents separated by an empty " +
        "line)", required: true);
}
