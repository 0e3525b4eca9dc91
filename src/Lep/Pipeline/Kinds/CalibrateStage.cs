using Lep.Calibration;
using Lep.Formats;
using Lep.Modeling;
using Lep.Runtime;
using Lep.Training;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "calibrate": `lep calibrate` of "model" (the propagated LEP model) on conversations from any of: self-calibration
/// ("teacher" = the original instruct model + "prompts"), "sft" data, the copy task ("copy-from" text). LoRA by default
/// (merged on save). Writes in place; training and the teacher's cached answers live in ARTIFACT.run/, so an
/// interrupted stage resumes (answers already generated are not generated again).
/// </summary>
internal sealed class CalibrateStage : StageKind
{
    public override string Name => "calibrate";
    public override string Description => "calibration of a LEP model: self-calibration (teacher + prompts), SFT and/or a copy task; LoRA by default (lep calibrate); resumes " +
        "from its checkpoint";
    public override StageWriting Writing => StageWriting.InPlace;
    /// <summary>Calibrator keeps its checkpoint, metrics and teacher_answers.jsonl in OUT.run/ (TrainingJob's run dir).</summary>
    public override IEnumerable<string> ScratchPaths(string artifactDirectory) => [TrainingJob.RunDirectoryFor(artifactDirectory)];

    public override StageAction Bind(StageOptions o)
    {
        string model = o.Get(CalibrationSchema.Model);

        string? teacher = o.Get(CalibrationSchema.Teacher);
        string? prompts = o.Get(CalibrationSchema.Prompts);
        int maxNewTokens = o.Get(CalibrationSchema.MaxNewTokens);
        string? sft = o.Get(CalibrationSchema.Sft);
        string? copyFrom = o.Get(CalibrationSchema.CopyFrom);
        int copyCount = o.Get(CalibrationSchema.CopyCount);
        string copyLanguage = o.Get(CalibrationSchema.CopyLanguage);

        string trainable = o.Get(CalibrationSchema.Trainable);
        LoraOptions? lora = LoraStageOptions.Read(o, trainable == "lora");
        TrainingOptions training = Calibrator.DefaultTraining with
        {
            Steps = o.Get(CalibrationSchema.Steps),
            LearningRate = o.Get(CalibrationSchema.LearningRate),
            BatchSize = o.Get(CalibrationSchema.BatchSize),
            BlockSize = o.Get(CalibrationSchema.BlockSize),
            WarmupSteps = o.Get(CalibrationSchema.Warmup),
            CheckpointEvery = o.Get(CalibrationSchema.CheckpointEvery),
            Seed = o.Get(CalibrationSchema.Seed),
            Trainable = TrainableSets.Parse(trainable),
            Lora = lora ?? Calibrator.DefaultTraining.Lora,
        };
        string? storage = o.Get(CalibrationSchema.Storage);
        string device = o.Device(DeviceSchema.Device);

        // The sources, checked like `lep calibrate` checks its flags.
        bool hasTeacher = o.Has(CalibrationSchema.Teacher), hasPrompts = o.Has(CalibrationSchema.Prompts);
        if (hasTeacher && !hasPrompts)
            o.Missing(CalibrationSchema.Prompts, "missing: self-calibration needs both \"teacher\" and \"prompts\"");
        if (hasPrompts && !hasTeacher)
            o.Missing(CalibrationSchema.Teacher, "missing: self-calibration needs both \"teacher\" (the original instruct model) and \"prompts\"");
        bool self = hasTeacher || hasPrompts, copy = o.Has(CalibrationSchema.CopyFrom);
        if (!self && !o.Has(CalibrationSchema.Sft) && !copy)
            o.Error("no calibration data: give \"teacher\" + \"prompts\" (self-calibration), \"sft\" and/or \"copy-from\" (copy task)");
        if (o.Has(CalibrationSchema.MaxNewTokens) && !self) o.Error(CalibrationSchema.MaxNewTokens, "only applies to self-calibration (\"teacher\" + \"prompts\")");
        if (o.Has(CalibrationSchema.CopyCount) && !copy) o.Error(CalibrationSchema.CopyCount, "only applies with \"copy-from\"");
        if (o.Has(CalibrationSchema.CopyLanguage) && !copy) o.Error(CalibrationSchema.CopyLanguage, "only applies with \"copy-from\"");
        o.Check(training.Validate);

        var sources = new CalibrationSources
        {
            SelfCalibration = teacher is not null && prompts is not null ? new SelfCalibrationSource(teacher, prompts) { MaxNewTokens = maxNewTokens } : null,
            Sft = sft,
            Copy = copyFrom is not null ? new CopyTaskSource(copyFrom, copyCount) { Language = copyLanguage } : null,
        };

        return ctx =>
        {
            var options = new CalibrationOptions
            {
                Model = model, Output = ctx.Output, ReplaceOutput = true, Sources = sources, Training = training,
                Storage = storage is null ? null : DTypes.ParseFloat(storage), Device = device,
            };
            CalibrationResult r = ctx.Ui.Train($"{ctx.Name}: calibrating", (phases, steps) => Calibrator.Run(options, phases, steps, ctx.Cancellation));
            return $"{string.Join(", ", r.ConversationsBySource.Select(kv => $"{kv.Value} {kv.Key}"))} conversations, " +
                   $"{r.LearnedTokens:N0} learned of {r.Tokens:N0} tokens, {r.Training.Steps} steps, loss {r.FirstLoss:0.000} → {r.FinalLoss:0.000}" +
                   (r.Training.Resumed ? " (resumed)" : "");
        };
    }
}
