using Lep.Options;
using Lep.Zoo;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "mix": a zoo training text (ARTIFACT/text.txt, <see cref="TrainingMix"/>): the corpus's English, Russian documents
/// up to "russian-share" of the characters, a repeated passage after "repeat-share" of the documents, synthetic
/// induction sequences making up "induction-share" of the characters, and with
/// "instruction-text": true the "tasks" train split and "copy-en"/"copy-ru" copy examples as plain text.
/// </summary>
internal sealed class MixStage : StageKind
{
    public const string FileName = "text.txt";

    public override string Name => "mix";
    public override string Description => $"a zoo training text: English + a share of Russian, repeated passages, optional instruction-shaped text (ARTIFACT/{FileName})";

    public override StageAction Bind(StageOptions o)
    {
        string corpus = o.Get(MixSchema.Corpus);
        var options = new TrainingMixOptions
        {
            RussianShare = o.Get(MixSchema.RussianShare), RepeatShare = o.Get(MixSchema.RepeatShare),
            InductionShare = o.Get(MixSchema.InductionShare), Seed = o.Get(MixSchema.Seed),
            TaskRussianShare = o.Get(MixSchema.TaskRussianShare), CopyEnglish = o.Get(MixSchema.CopyEnglish), CopyRussian = o.Get(MixSchema.CopyRussian),
        };
        string? tasks = o.Get(MixSchema.Tasks);
        bool instructionText = o.Get(MixSchema.InstructionText);
        if (instructionText && tasks is null) o.Missing(MixSchema.Tasks, "missing: \"instruction-text\" needs a tasks dir");
        if (instructionText) options = options with { Tasks = tasks };
        return ctx =>
        {
            string account = TrainingMix.Write(corpus, options, Path.Combine(ctx.Output, FileName));
            ctx.Ui.Note($"{ctx.Name}: {account}");
            return account;
        };
    }
}

/// <summary>The options of the "mix" stage kind.</summary>
internal static class MixSchema
{
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "a corpus dir from `lep data build` (its en_train.txt and ru_train.txt)");
    public static readonly OptionSpec<double> RussianShare = OptionSpec.RequiredNumber("russian-share",
        "Russian documents are added until they are this share of the characters", new NumericRange(0, 1, MaxInclusive: false));
    public static readonly OptionSpec<double> RepeatShare = OptionSpec.Number("repeat-share", 0,
        "share of documents followed by a short passage of theirs written twice (a copying signal)", NumericRange.Fraction);
    public static readonly OptionSpec<double> InductionShare = OptionSpec.Number("induction-share", 0,
        "share of the characters given to random word runs written twice (a dense in-context copying signal)", new NumericRange(0, 0.9));
    public static readonly OptionSpec<bool> InstructionText = OptionSpec.Flag("instruction-text",
        "add the task data's train split and copy examples as plain text (\"user\\n…\\nassistant\\n…\")");
    public static readonly OptionSpec<string?> Tasks = OptionSpec.OptionalPath("tasks", "a `lep data tasks` dir (with \"instruction-text\")");
    public static readonly OptionSpec<double> TaskRussianShare = OptionSpec.Number("task-russian-share", 1.0,
        "share of the Russian-prompt task records taken (English-prompt ones: all)", NumericRange.Fraction);
    public static readonly OptionSpec<int> CopyEnglish = OptionSpec.Int("copy-en", 0, "English copy-task examples added (with \"instruction-text\")", min: 0);
    public static readonly OptionSpec<int> CopyRussian = OptionSpec.Int("copy-ru", 0, "Russian copy-task examples added (with \"instruction-text\")", min: 0);
    public static readonly OptionSpec<int> Seed = OptionSpec.Int("seed", 1, "random seed of the picks and the shuffle");
}
