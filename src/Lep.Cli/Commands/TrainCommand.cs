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
        var model = new Argument<string>("MODEL_DIR") { Description = "the HF model dir to start from (with tokenizer.json)" };
        var corpus = new Option<string[]>("--corpus") { Description = "training text: .txt (documents separated by an empty line) or .jsonl with \"text\"; repeatable", Required = true, AllowMultipleArgumentsPerToken = true };
        var validation = new Option<string?>("--validation") { Description = "held-out text (default: every 50th training document)" };
        var output = new Option<string>("--out", "-o") { Description = "where the trained HF model dir is written (run state goes to OUT.run/)", Required = true };
        var trainable = new Option<string>("--trainable") { Description = "all; embeddings (embed_tokens + lm_head only: the LEP donor stage); or lora (adapters on the projections, merged on save)", DefaultValueFactory = _ => "all" };
        trainable.AcceptOnlyFromAmong("all", "embeddings", "lora");
        var lora = new LoraCliOptions();
        var steps = new Option<int>("--steps") { Description = "optimizer steps", DefaultValueFactory = _ => 1000 };
        var block = new Option<int>("--block-size") { Description = "tokens per packed row", DefaultValueFactory = _ => 256 };
        var batch = new Option<int>("--batch-size") { Description = "rows per micro-batch", DefaultValueFactory = _ => 8 };
        var accumulation = new Option<int>("--grad-accum") { Description = "micro-batches per optimizer step", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => 1e-3 };
        var warmup = new Option<int>("--warmup") { Description = "linear warm-up steps", DefaultValueFactory = _ => 50 };
        var minLr = new Option<double>("--min-lr-ratio") { Description = "final learning rate as a share of the peak (cosine)", DefaultValueFactory = _ => 0.1 };
        var decay = new Option<double>("--weight-decay") { Description = "AdamW weight decay", DefaultValueFactory = _ => 0.1 };
        var clip = new Option<double>("--clip") { Description = "gradient norm clip (0 = off)", DefaultValueFactory = _ => 1.0 };
        var evalEvery = new Option<int>("--eval-every") { Description = "validate every N steps", DefaultValueFactory = _ => 100 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "checkpoint every N steps (resume by re-running the command)", DefaultValueFactory = _ => 100 };
        var maxDocs = new Option<int?>("--max-documents") { Description = "use only the first N documents" };
        var newRowsFrom = new Option<int?>("--new-rows-from") { Description = "with --trainable embeddings: update only rows with this id or above (e.g. the tokens an extension added)" };
        var newRowsOnly = new Option<bool>("--new-rows-only") { Description = "with --trainable embeddings: update only the rows `lep init` did not copy (read from MODEL_DIR/alignment.json; any vocabulary, replaced ones included)" };
        var seed = new Option<long>("--seed") { Description = "data order seed", DefaultValueFactory = _ => 1 };
        var storage = new Option<string>("--storage") { Description = "dtype of the written weights: bf16, f16 or f32", DefaultValueFactory = _ => "bf16" };
        var device = DeviceOption.Create();
        var force = ForceOption.Create();
        var command = new Command("train", "Train a model on a corpus: all weights, or only embeddings + head (LEP's continued pre-training). Resumable.")
            { model, corpus, validation, output, trainable, steps, block, batch, accumulation, lr, warmup, minLr, decay, clip, evalEvery, checkpointEvery, maxDocs, newRowsFrom, newRowsOnly, seed, storage, device, force };
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

/// <summary>The LoRA flags shared by `lep train` and `lep calibrate` (defaults and checks: <see cref="LoraOptions"/>, which
/// the pipeline's "lora-*" options use too).</summary>
public sealed class LoraCliOptions
{
    public readonly Option<int> Rank = new("--lora-rank") { Description = "LoRA rank r", DefaultValueFactory = _ => LoraOptions.Default.Rank };
    public readonly Option<double> Alpha = new("--lora-alpha") { Description = "LoRA alpha (the update is scaled by alpha/r)", DefaultValueFactory = _ => LoraOptions.Default.Alpha };
    public readonly Option<string> Targets = new("--lora-targets")
    {
        Description = $"comma-separated projections that get adapters ({string.Join(",", LoraOptions.KnownTargets)}, or all)", DefaultValueFactory = _ => "all",
    };
    public readonly Option<bool> Embeddings = new("--lora-embeddings") { Description = "also train embed_tokens and lm_head fully alongside the adapters" };

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
                    Console.Error.WriteLine($"{label}: step {p.Step}/{p.Steps} loss {p.Loss:0.000}{(p.ValidationLoss is double v ? $" val {v:0.000}" : "")} {p.TokensPerSecond:N0} tok/s");
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
