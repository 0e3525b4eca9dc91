using System.CommandLine;
using Lep.Calibration;
using Lep.Formats;
using Lep.Training;

namespace Lep.Cli.Commands;

public static class CalibrateCommand
{
    public static Command Create()
    {
        TrainingOptions d = Calibrator.DefaultTraining;
        var model = new Argument<string>("MODEL_DIR") { Description = "the LEP model dir to tune (with its tokenizer.json and chat template)" };
        var output = new Option<string>("--out", "-o") { Description = "where the calibrated HF model dir is written (run state goes to OUT.run/)", Required = true };
        var teacher = new Option<string?>("--teacher") { Description = "self-calibration: the original instruct model dir, which answers --prompts" };
        var prompts = new Option<string?>("--prompts") { Description = "self-calibration prompts: .txt (one per line) or .jsonl ({\"prompt\"} or {\"messages\"})" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "longest teacher answer, in teacher tokens", DefaultValueFactory = _ => SelfCalibrationSource.DefaultMaxNewTokens };
        var sft = new Option<string?>("--sft") { Description = "SFT data: .jsonl with {\"messages\": [...]} or {\"prompt\", \"response\"} per line" };
        var copyFrom = new Option<string?>("--copy-from") { Description = "copy task: take sentences (≤ 20 words) from this text file" };
        var copyCount = new Option<int>("--copy-count") { Description = "copy task: number of \"repeat exactly\" conversations", DefaultValueFactory = _ => CopyTaskSource.DefaultCount };
        var copyLang = new Option<string>("--copy-lang") { Description = "copy task: language of the instruction (en or ru)", DefaultValueFactory = _ => "en" };
        copyLang.AcceptOnlyFromAmong("en", "ru");
        var trainable = new Option<string>("--trainable") { Description = "lora (adapters, merged on save) or all", DefaultValueFactory = _ => "lora" };
        trainable.AcceptOnlyFromAmong("lora", "all");
        var lora = new LoraCliOptions();
        var steps = new Option<int>("--steps") { Description = "optimizer steps", DefaultValueFactory = _ => d.Steps };
        var lr = new Option<double>("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => d.LearningRate };
        var batch = new Option<int>("--batch-size") { Description = "rows per optimizer step", DefaultValueFactory = _ => d.BatchSize };
        var block = new Option<int>("--block-size") { Description = "tokens per packed row", DefaultValueFactory = _ => d.BlockSize };
        var warmup = new Option<int>("--warmup") { Description = "linear warm-up steps", DefaultValueFactory = _ => d.WarmupSteps };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "checkpoint every N steps (resume by re-running the command)", DefaultValueFactory = _ => d.CheckpointEvery };
        var seed = new Option<long>("--seed") { Description = "seed of the adapters, the copy-task sentences and the data order", DefaultValueFactory = _ => d.Seed };
        var storage = new Option<string?>("--storage") { Description = "dtype of the written weights: bf16, f16 or f32 (default: the input's)" };
        var device = DeviceOption.Create();
        var force = ForceOption.Create();
        var command = new Command("calibrate",
            "Calibrate a LEP model on conversations: the original instruct model's answers (self-calibration), SFT data and/or a copy task; LoRA by default. Resumable.")
            { model, output, teacher, prompts, maxNew, sft, copyFrom, copyCount, copyLang, trainable, steps, lr, batch, block, warmup, checkpointEvery, seed, storage, device, force };
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
                Training = d with
                {
                    Steps = parse.GetValue(steps), LearningRate = parse.GetValue(lr), BatchSize = parse.GetValue(batch), BlockSize = parse.GetValue(block),
                    WarmupSteps = parse.GetValue(warmup), CheckpointEvery = parse.GetValue(checkpointEvery), Seed = parse.GetValue(seed),
                    Trainable = TrainableSets.Parse(parse.GetValue(trainable)!), Lora = lora.Read(parse),
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
                              $"{result.LearnedTokens:N0} learned of {result.Tokens:N0} tokens, {result.Training.Steps} steps, loss {result.FirstLoss:0.000} → {result.FinalLoss:0.000}, " +
                              $"{result.Training.Seconds:0} s" + (result.Training.Resumed ? " (resumed)" : ""));
            return ExitCodes.Ok;
        });
        return command;
    }
}
