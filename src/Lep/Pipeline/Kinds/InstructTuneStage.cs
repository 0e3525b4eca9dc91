using Lep.Options;
using Lep.Runtime;
using Lep.Training;
using Lep.Zoo;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "instruct-tune": instruction tuning of a model with a chat template (<see cref="InstructionTuning"/>): all weights,
/// on the "tasks" train split as conversations (all English-prompt records, "russian-share" of the Russian-prompt
/// ones) plus "copy-en"/"copy-ru" copy-task conversations from the "corpus" training text; the dev split validates.
/// The schedule options are `lep train`'s. Writes f32 in place and resumes from its checkpoint in ARTIFACT.run/.
/// </summary>
internal sealed class InstructTuneStage : StageKind
{
    public override string Name => "instruct-tune";
    public override string Description => "instruction tuning on task-data conversations + copy-task conversations (all weights, loss on replies); resumes from its checkpoint";
    public override StageWriting Writing => StageWriting.InPlace;
    public override IEnumerable<string> ScratchPaths(string artifactDirectory) => [TrainingJob.RunDirectoryFor(artifactDirectory)];

    public override StageAction Bind(StageOptions o)
    {
        string model = o.Get(InstructTuneSchema.Model);
        var data = new InstructionTuningData
        {
            Tasks = o.Get(InstructTuneSchema.Tasks), RussianShare = o.Get(InstructTuneSchema.RussianShare), Corpus = o.Get(InstructTuneSchema.Corpus),
            CopyEnglish = o.Get(InstructTuneSchema.CopyEnglish), CopyRussian = o.Get(InstructTuneSchema.CopyRussian),
        };
        var options = new TrainingOptions
        {
            Steps = o.Get(TrainingSchema.Steps), BlockSize = o.Get(TrainingSchema.BlockSize), BatchSize = o.Get(TrainingSchema.BatchSize),
            LearningRate = o.Get(TrainingSchema.LearningRate), WarmupSteps = o.Get(TrainingSchema.Warmup), EvalEvery = o.Get(TrainingSchema.EvalEvery),
            CheckpointEvery = o.Get(TrainingSchema.CheckpointEvery), Seed = o.Get(TrainingSchema.Seed),
        };
        o.Check(options.Validate);
        string device = o.Device(DeviceSchema.Device);
        return ctx =>
        {
            TrainingResult r = ctx.Ui.Train($"{ctx.Name}: instruction tuning",
                (_, steps) => InstructionTuning.Run(model, data, options, ctx.Output, device, steps, ctx.Cancellation));
            return $"{r.Steps} steps, {r.Tokens:N0} tokens, loss {r.FinalLoss:0.000}" +
                   (r.FinalValidationLoss is double v ? $", validation loss {v:0.000}" : "") + (r.Resumed ? " (resumed)" : "");
        };
    }
}

/// <summary>The data options of the "instruct-tune" stage kind (the schedule's are <see cref="TrainingSchema"/>'s).</summary>
internal static class InstructTuneSchema
{
    public static readonly OptionSpec<string> Model = OptionSpec.Path("model", "a model dir with a chat template (e.g. a \"zoo-instruct-init\" stage)");
    public static readonly OptionSpec<string> Tasks = OptionSpec.Path("tasks", "a `lep data tasks` dir (train split: conversations; dev split: validation)");
    public static readonly OptionSpec<double> RussianShare = OptionSpec.Number("russian-share", 0.25,
        "share of the Russian-prompt task records taken (English-prompt ones: all)", NumericRange.Fraction);
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "a corpus dir from `lep data build` (its training text gives the copy-task conversations)");
    public static readonly OptionSpec<int> CopyEnglish = OptionSpec.Int("copy-en", 0, "English copy-task conversations added", min: 0);
    public static readonly OptionSpec<int> CopyRussian = OptionSpec.Int("copy-ru", 0, "Russian copy-task conversations added", min: 0);
}
