using System.CommandLine;
using Lep.Formats;
using Lep.Modeling;
using Lep.Training;
using Spectre.Console;

namespace Lep.Cli.Commands;

public static class TrainCommand
{
    public static Command Create()
    {
        var model = SchemaOptions.Argument(TrainingSchema.Model, "MODEL_DIR");
        var corpus = SchemaOptions.Create(TrainingSchema.Corpus);
        corpus.AllowMultipleArgumentsPerToken = true;
        var validation = SchemaOptions.Create(TrainingSchema.Validation);
        var output = new Option<string>("--out", "-o") { Description = "where the trained HF model dir is written (run state goes to OUT.run/)", Required = true };
        var trainable = SchemaOptions.Create(TrainingSchema.Trainable);
        var lora = new LoraCliOptions();
        var steps = SchemaOptions.Create(TrainingSchema.Steps);
        var block = SchemaOptions.Create(TrainingSchema.BlockSize);
        var batch = SchemaOptions.Create(TrainingSchema.BatchSize);
        var accumulation = SchemaOptions.Create(TrainingSchema.GradientAccumulation);
        var lr = SchemaOptions.Create(TrainingSchema.LearningRate);
        var warmup = SchemaOptions.Create(TrainingSchema.Warmup);
        var minLr = SchemaOptions.Create(TrainingSchema.MinLearningRateRatio);
        var decay = SchemaOptions.Create(TrainingSchema.WeightDecay);
        var clip = SchemaOptions.Create(TrainingSchema.Clip);
        var evalEvery = SchemaOptions.Create(TrainingSchema.EvalEvery);
        var checkpointEvery = SchemaOptions.Create(TrainingSchema.CheckpointEvery);
        var maxDocs = SchemaOptions.Create(TrainingSchema.MaxDocuments);
        var newRowsFrom = SchemaOptions.Create(TrainingSchema.NewRowsFrom);
        var newRowsOnly = SchemaOptions.Create(TrainingSchema.NewRowsOnly);
        var seed = SchemaOptions.Create(TrainingSchema.Seed);
        var storage = SchemaOptions.Create(TrainingSchema.Storage);
        var device = DeviceOption.Create();
        var force = ForceOption.Create();
        var command = new Command("train", "Train a model on a corpus: all weights, or only embeddings + head (LEP's continued pre-training). Resumable.")
            { model, corpus, validation, output, trainable, steps, block, batch, accumulation, lr, warmup, minLr, decay, clip, evalEvery, checkpointEvery, maxDocs, newRowsFrom,
                newRowsOnly, seed, storage, device, force };
        lora.AddTo(command);
        var engine = new EngineCliOptions();
        engine.AddTo(command);
        CommandAction.Set(command, parse =>
        {
            bool replace = parse.CheckResumableOutput(force, parse.GetValue(output)!, OutputKind.ResumableDirectory, TrainingJob.IsRerun,
                [parse.GetValue(model), .. parse.GetValue(corpus)!, parse.GetValue(validation)]);
            CorpusInputs.Check([.. parse.GetValue(corpus)!, parse.GetValue(validation)]);
            Runtime.ComputeDevice.UseAllCores();
            var launch = engine.Read(parse);
            var spec = new TrainingJobSpec
            {
                ModelDirectory = parse.GetValue(model)!,
                Corpus = parse.GetValue(corpus)!,
                ValidationCorpus = parse.GetValue(validation),
                OutputDirectory = parse.GetValue(output)!,
                ReplaceOutput = replace,
                Storage = DTypes.ParseFloat(parse.GetValue(storage)!),
                MaxDocuments = parse.GetValue(maxDocs),
                // The engine puts every rank on its own GPU when there is one, unless --device says otherwise.
                Device = launch is not null && parse.GetResult(device) is not { Implicit: false } ? "auto" : parse.GetValue(device)!,
                Torchrun = launch,
                Options = new TrainingOptions
                {
                    Steps = parse.GetValue(steps), BlockSize = parse.GetValue(block), BatchSize = parse.GetValue(batch),
                    GradientAccumulation = parse.GetValue(accumulation), LearningRate = parse.GetValue(lr), WarmupSteps = parse.GetValue(warmup),
                    MinLearningRateRatio = parse.GetValue(minLr), WeightDecay = parse.GetValue(decay), GradientClip = parse.GetValue(clip),
                    EvalEvery = parse.GetValue(evalEvery), CheckpointEvery = parse.GetValue(checkpointEvery), Seed = parse.GetValue(seed),
                    Trainable = TrainableSets.Parse(parse.GetValue(trainable)!),
                    TrainRowsFrom = parse.GetValue(newRowsFrom),
                    TrainRowIds = parse.GetValue(newRowsOnly) ? NewRows.Of(parse.GetValue(model)!) : null,
                    Lora = lora.Read(parse),
                },
            };
            spec.Options.Validate();
            spec.Torchrun?.Validate(spec.Options);
            TrainingResult result = TrainingConsole.Run(spec);
            if (result.Note is not null)
            {
                Console.WriteLine(result.Note);
                return ExitCodes.Ok;
            }
            Console.WriteLine($"wrote {spec.OutputDirectory}: {result.Steps} steps, {result.Tokens:N0} tokens, loss {result.FinalLoss:0.000}" +
                              (result.FinalValidationLoss is double v ? $", validation loss {v:0.000}" : "") + $", {result.Seconds:0} s" + (result.Resumed ? " (resumed)" : ""));
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>The LoRA flags shared by `lep train` and `lep calibrate` (<see cref="LoraSchema"/>).</summary>
public sealed class LoraCliOptions
{
    public readonly Option<int> Rank = SchemaOptions.Create(LoraSchema.Rank);
    public readonly Option<double> Alpha = SchemaOptions.Create(LoraSchema.Alpha);
    public readonly Option<string> Targets = SchemaOptions.Create(LoraSchema.Targets);
    public readonly Option<bool> Embeddings = SchemaOptions.Create(LoraSchema.Embeddings);

    public void AddTo(Command command)
    {
        command.Options.Add(Rank);
        command.Options.Add(Alpha);
        command.Options.Add(Targets);
        command.Options.Add(Embeddings);
    }

    public LoraOptions Read(ParseResult parse) => new()
    {
        Rank = parse.GetValue(Rank), Alpha = parse.GetValue(Alpha), Targets = LoraOptions.ParseTargets(parse.GetValue(Targets)!),
        TrainEmbeddings = parse.GetValue(Embeddings),
    };
}

/// <summary>Runs training under a progress bar showing step, loss, tokens/s and ETA (plain lines when stderr is redirected).</summary>
public static class TrainingConsole
{
    public static TrainingResult Run(TrainingJobSpec spec) => Show("training", p => TrainingJob.Run(spec, null, p, note: Console.Error.WriteLine));

    public static T Show<T>(string label, Func<IProgress<TrainingProgress>, T> work)
    {
        if (ConsoleUi.Progress == ProgressDisplay.None) return work(new SyncProgress<TrainingProgress>(_ => { }));
        if (ConsoleUi.Progress == ProgressDisplay.Lines)
        {
            var plain = new SyncProgress<TrainingProgress>(p =>
            {
                if (p.Step % Math.Max(1, p.Steps / 20) == 0 || p.Step == p.Steps)
                    Console.Error.WriteLine($"{label}: step {p.Step}/{p.Steps} loss {p.Loss:0.000}{(p.ValidationLoss is double v ? $" val {v:0.000}" : "")} " +
                        $"{p.TokensPerSecond:N0} tok/s");
            });
            return work(plain);
        }
        T result = default!;
        ConsoleUi.Err.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(label);
                result = work(new SyncProgress<TrainingProgress>(p =>
                {
                    task.MaxValue = p.Steps;
                    task.Value = p.Step;
                    task.Description = $"{label}  loss {p.Loss:0.000}{(p.ValidationLoss is double v ? $"  val {v:0.000}" : "")}  {p.TokensPerSecond:N0} tok/s";
                }));
            });
        return result;
    }
}
