using System.CommandLine;
using Lep.Calibration;
using Lep.Formats;
using Lep.Training;

namespace Lep.Cli.Commands;

public static class CalibrateCommand
{
    public static Command Create()
    {
        var model = SchemaOptions.Argument(CalibrationSchema.Model, "MODEL_DIR");
        var output = new Option<string>("--out", "-o") { Description = "where the calibrated HF model dir is written (run state goes to OUT.run/)", Required = true };
        var teacher = SchemaOptions.Create(CalibrationSchema.Teacher);
        var prompts = SchemaOptions.Create(CalibrationSchema.Prompts);
        var maxNew = SchemaOptions.Create(CalibrationSchema.MaxNewTokens);
        var sft = SchemaOptions.Create(CalibrationSchema.Sft);
        var copyFrom = SchemaOptions.Create(CalibrationSchema.CopyFrom);
        var copyCount = SchemaOptions.Create(CalibrationSchema.CopyCount);
        var copyLang = SchemaOptions.Create(CalibrationSchema.CopyLanguage);
        var trainable = SchemaOptions.Create(CalibrationSchema.Trainable);
        var lora = new LoraCliOptions();
        var steps = SchemaOptions.Create(CalibrationSchema.Steps);
        var lr = SchemaOptions.Create(CalibrationSchema.LearningRate);
        var batch = SchemaOptions.Create(CalibrationSchema.BatchSize);
        var block = SchemaOptions.Create(CalibrationSchema.BlockSize);
        var warmup = SchemaOptions.Create(CalibrationSchema.Warmup);
        var checkpointEvery = SchemaOptions.Create(CalibrationSchema.CheckpointEvery);
        var seed = SchemaOptions.Create(CalibrationSchema.Seed);
        var storage = SchemaOptions.Create(CalibrationSchema.Storage);
        var device = DeviceOption.Create();
        var force = ForceOption.Create();
        var command = new Command("calibrate",
            "Calibrate a LEP model on conversations: the original instruct model's answers (self-calibration), SFT data and/or a copy task; LoRA by default. Resumable.")
            { model, output, teacher, prompts, maxNew, sft, copyFrom, copyCount, copyLang, trainable, steps, lr, batch, block, warmup, checkpointEvery, seed, storage, device,
                force };
        lora.AddTo(command);
        command.Validators.Add(result =>
        {
            bool hasTeacher = result.GetValue(teacher) is not null, hasPrompts = result.GetValue(prompts) is not null;
            if (hasTeacher != hasPrompts) result.AddError("self-calibration needs both --teacher and --prompts");
            if (!hasTeacher && !hasPrompts && result.GetValue(sft) is null && result.GetValue(copyFrom) is null)
                result.AddError("give at least one source: --teacher DIR --prompts FILE, --sft FILE or --copy-from FILE");
        });
        CommandAction.Set(command, parse =>
        {
            bool replace = parse.CheckResumableOutput(force, parse.GetValue(output)!, Formats.OutputKind.ResumableDirectory, TrainingJob.IsRerun,
                [parse.GetValue(model), parse.GetValue(teacher), parse.GetValue(prompts), parse.GetValue(sft), parse.GetValue(copyFrom)]);
            CorpusInputs.Check(parse.GetValue(copyFrom));
            Runtime.ComputeDevice.UseAllCores();
            string? storageName = parse.GetValue(storage);
            var options = new CalibrationOptions
            {
                Model = parse.GetValue(model)!,
                Output = parse.GetValue(output)!,
                ReplaceOutput = replace,
                Sources = new CalibrationSources
                {
                    SelfCalibration = parse.GetValue(teacher) is string t ? new SelfCalibrationSource(t, parse.GetValue(prompts)!) { MaxNewTokens = parse.GetValue(maxNew) } : null,
                    Sft = parse.GetValue(sft),
                    Copy = parse.GetValue(copyFrom) is string c ? new CopyTaskSource(c, parse.GetValue(copyCount)) { Language = parse.GetValue(copyLang)! } : null,
                },
                Training = Calibrator.DefaultTraining with
                {
                    Steps = parse.GetValue(steps),
                    LearningRate = parse.GetValue(lr),
                    BatchSize = parse.GetValue(batch),
                    BlockSize = parse.GetValue(block),
                    WarmupSteps = parse.GetValue(warmup),
                    CheckpointEvery = parse.GetValue(checkpointEvery),
                    Seed = parse.GetValue(seed),
                    Trainable = TrainableSets.Parse(parse.GetValue(trainable)!),
                    Lora = lora.Read(parse),
                },
                Storage = storageName is null ? null : DTypes.ParseFloat(storageName),
                Device = parse.GetValue(device)!,
            };
            options.Training.Validate();
            string lastStage = "";
            int lastTenth = -1;
            var stages = new SyncProgress<(string Stage, double Fraction)>(s =>
            {
                int tenth = (int)(s.Fraction * 10);
                if (s.Stage == lastStage && tenth == lastTenth) return;
                if (s.Stage != lastStage || s.Stage == "teacher answering") Console.Error.WriteLine(s.Stage == "teacher answering" ? $"{s.Stage}: {s.Fraction:P0}" : $"{s.Stage}…");
                (lastStage, lastTenth) = (s.Stage, tenth);
            });
            CalibrationResult? result = null;
            TrainingConsole.Show("calibrating", p => (result = Calibrator.Run(options, stages, p)).Training);
            Console.WriteLine($"wrote {options.Output}: {string.Join(", ", result!.ConversationsBySource.Select(kv => $"{kv.Value} {kv.Key}"))} conversations, " +
                              $"{result.LearnedTokens:N0} learned of {result.Tokens:N0} tokens, {result.Training.Steps} steps, loss {result.FirstLoss:0.000} → " +
                                  $"{result.FinalLoss:0.000}, " +
                              $"{result.Training.Seconds:0} s" + (result.Training.Resumed ? " (resumed)" : ""));
            return ExitCodes.Ok;
        });
        return command;
    }
}
