using Lep.Calibration;
using Lep.Formats;
using Lep.Modeling;
using Lep.Training;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "calibrate": `lep calibrate` of "model" (the propagated LEP model) on conversations from any of: self-calibration
/// ("teacher" = the original instruct model + "prompts"), "sft" data, the copy task ("copy-from" text). LoRA by default
/// (merged on save). Writes in place; training and the teacher's cached answers live in ARTIFACT.run/, so an
/// interrupted stage resumes (answers already generated are not generated again).
/// </summary>
public sealed class CalibrateStage : StageKind
{
    public override string Name => "calibrate";
    public override string Description => "calibration of a LEP model: self-calibration (teacher + prompts), SFT and/or a copy task; LoRA by default (lep calibrate); resumes from its checkpoint";
    public override StageWriting Writing => StageWriting.InPlace;
    /// <summary>Calibrator keeps its checkpoint, metrics and teacher_answers.jsonl in OUT.run/ (TrainingJob's run dir).</summary>
    public override IEnumerable<string> ScratchPaths(string artifactDirectory) => [TrainingJob.RunDirectoryFor(artifactDirectory)];

    public override StageAction Bind(StageOptions o)
    {
        TrainingOptions d = Calibrator.DefaultTraining;
        string model = o.Path("model");

        string? teacher = o.OptionalPath("teacher");
        string? prompts = o.OptionalPath("prompts");
        int? maxNewTokens = o.OptionalInt("max-new-tokens");
        string? sft = o.OptionalPath("sft");
        string? copyFrom = o.OptionalPath("copy-from");
        int? copyCount = o.OptionalInt("copy-count");
        string? copyLang = o.Has("copy-lang") ? o.Choice("copy-lang", "en", "en", "ru") : null;

        string trainable = o.Choice("trainable", "lora", "lora", "all");
        LoraOptions? lora = LoraStageOptions.Read(o, trainable == "lora");
        TrainingOptions training = d with
        {
            Steps = o.Int("steps", d.Steps), LearningRate = o.Double("lr", d.LearningRate), BatchSize = o.Int("batch-size", d.BatchSize),
            BlockSize = o.Int("block-size", d.BlockSize), WarmupSteps = o.Int("warmup", d.WarmupSteps),
            CheckpointEvery = o.Int("checkpoint-every", d.CheckpointEvery), Seed = o.Long("seed", d.Seed),
            Trainable = TrainableSets.Parse(trainable), Lora = lora ?? d.Lora,
        };
        string? storage = o.Has("storage") ? o.Choice("storage", "bf16", "bf16", "f16", "f32") : null;
        string device = o.Device("device");

        // The sources, checked like `lep calibrate` checks its flags.
        if (teacher is not null && prompts is null && !o.Has("prompts"))
            o.Missing("prompts", "missing: self-calibration needs both \"teacher\" and \"prompts\"");
        if (prompts is not null && teacher is null && !o.Has("teacher"))
            o.Missing("teacher", "missing: self-calibration needs both \"teacher\" (the original instruct model) and \"prompts\"");
        bool self = o.Has("teacher") || o.Has("prompts"), copy = o.Has("copy-from");
        if (!self && !o.Has("sft") && !copy)
            o.Error("no calibration data: give \"teacher\" + \"prompts\" (self-calibration), \"sft\" and/or \"copy-from\" (copy task)");
        if (maxNewTokens is not null && !self) o.Error("max-new-tokens", "only applies to self-calibration (\"teacher\" + \"prompts\")");
        if (maxNewTokens is < 1) o.Error("max-new-tokens", "must be ≥ 1");
        if (copyCount is not null && !copy) o.Error("copy-count", "only applies with \"copy-from\"");
        if (copyLang is not null && !copy) o.Error("copy-lang", "only applies with \"copy-from\"");
        if (copyCount is < 1) o.Error("copy-count", "must be ≥ 1");
        o.Check(training.Validate);

        var sources = new CalibrationSources
        {
            SelfCalibration = teacher is not null && prompts is not null
                ? new SelfCalibrationSource(teacher, prompts) { MaxNewTokens = maxNewTokens ?? SelfCalibrationSource.DefaultMaxNewTokens }
                : null,
            Sft = sft,
            Copy = copyFrom is not null ? new CopyTaskSource(copyFrom, copyCount ?? CopyTaskSource.DefaultCount) { Language = copyLang ?? "en" } : null,
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
