using Lep.Formats;
using Lep.Modeling;
using Lep.Training;
using Lep.Training.Torchrun;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "train": `lep train` — all weights, "trainable": "embeddings" for the LEP donor stage, or "lora" (adapters with the
/// "lora-*" options, merged on save). Writes in place and resumes from its checkpoint in ARTIFACT.run/.
/// "new-rows-from" takes an id or "@TOKENIZER_STAGE" (the old vocabulary size from that stage's alignment.json: the
/// first id an extension added); "new-rows-only": true trains the rows `lep init` did not copy (read from the model
/// dir's alignment.json when the stage runs: "model" is an init stage's artifact, any vocabulary). "engine": "torchrun"
/// trains on PyTorch's distributed engine ("nproc-per-node", "nnodes", "node-rank", "rdzv-endpoint", "rdzv-timeout",
/// "activation-checkpointing" as in `lep train`; "device" then defaults to auto).
/// </summary>
public sealed class TrainStage : StageKind
{
    public override string Name => "train";
    public override string Description => "training on a corpus: all weights, only embeddings + head, or LoRA adapters (lep train); resumes from its checkpoint";
    public override StageWriting Writing => StageWriting.InPlace;
    public override IEnumerable<string> ScratchPaths(string artifactDirectory) => [TrainingJob.RunDirectoryFor(artifactDirectory)];

    public override StageAction Bind(StageOptions o)
    {
        string model = o.Path("model");
        IReadOnlyList<string> corpus = o.PathList("corpus", required: true);
        string? validation = o.OptionalPath("validation");
        string trainable = o.Choice("trainable", "all", "all", "embeddings", "lora");
        LoraOptions? lora = LoraStageOptions.Read(o, trainable == "lora");
        var options = new TrainingOptions
        {
            Steps = o.Int("steps", 1000), BlockSize = o.Int("block-size", 256), BatchSize = o.Int("batch-size", 8),
            GradientAccumulation = o.Int("grad-accum", 1), LearningRate = o.Double("lr", 1e-3), WarmupSteps = o.Int("warmup", 50),
            MinLearningRateRatio = o.Double("min-lr-ratio", 0.1), WeightDecay = o.Double("weight-decay", 0.1),
            GradientClip = o.Double("clip", 1.0), EvalEvery = o.Int("eval-every", 100), CheckpointEvery = o.Int("checkpoint-every", 100),
            Seed = o.Long("seed", 1), Trainable = TrainableSets.Parse(trainable),
        };
        if (lora is not null) options = options with { Lora = lora };
        int? maxDocuments = o.OptionalInt("max-documents");
        var (rowsFrom, rowsFromReference) = o.LongOrReference("new-rows-from");
        string storage = o.Choice("storage", "bf16", "bf16", "f16", "f32");
        string engine = o.Choice("engine", "local", "local", "torchrun");
        var launch = new TorchrunLaunch
        {
            NprocPerNode = o.Int("nproc-per-node", 1), Nnodes = o.Int("nnodes", 1), NodeRank = o.Int("node-rank", 0),
            RendezvousEndpoint = o.String("rdzv-endpoint"), RendezvousTimeoutSeconds = o.Int("rdzv-timeout", 600),
            ActivationCheckpointing = o.Flag("activation-checkpointing"),
        };
        // N ranks × b rows take the same steps as 1 rank × N·b (the engine's tests): the layout may change between runs.
        o.HowItRuns("nproc-per-node", "nnodes", "node-rank", "rdzv-endpoint", "rdzv-timeout", "activation-checkpointing");
        // The torch engine picks its GPUs itself (this build's CPU-only TorchSharp has no say in it).
        string device = engine == "torchrun" ? o.Choice("device", "auto", "auto", "cpu", "cuda") : o.Device("device");
        bool newRowsOnly = o.Flag("new-rows-only");
        if (newRowsOnly && trainable != "embeddings")
        {
            o.Error("new-rows-only", "needs \"trainable\": \"embeddings\" (only embedding and head rows can be trained row by row)");
            newRowsOnly = false;
        }
        else if (newRowsOnly && (rowsFrom is not null || rowsFromReference is not null))
        {
            o.Error("new-rows-only", "use new-rows-only or new-rows-from, not both");
            newRowsOnly = false;
        }
        if (rowsFrom is > int.MaxValue) o.Error("new-rows-from", "is out of range");
        if (maxDocuments is < 1) o.Error("max-documents", "must be ≥ 1");
        // Placeholders for the run-time values, so that the checks below see what the run will have.
        options = options with { TrainRowsFrom = rowsFromReference is not null ? 0 : (int?)rowsFrom, TrainRowIds = newRowsOnly ? [] : null };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            o.Error(e.Message.Replace("--trainable embeddings", "\"trainable\": \"embeddings\""));
        }
        try
        {
            if (engine == "torchrun") launch.Validate(options);
        }
        catch (ArgumentException e)
        {
            o.Error("engine", e.Message.Replace("--trainable embeddings", "\"trainable\": \"embeddings\""));
        }

        return ctx =>
        {
            int? from = rowsFromReference is null ? (int?)rowsFrom : NewRows.FirstAddedId(rowsFromReference);
            int[]? rows = newRowsOnly ? NewRows.Of(model) : null;
            var spec = new TrainingJobSpec
            {
                ModelDirectory = model, Corpus = corpus, ValidationCorpus = validation, OutputDirectory = ctx.Output, ReplaceOutput = true,
                Storage = DTypes.ParseFloat(storage), MaxDocuments = maxDocuments, Device = device,
                Torchrun = engine == "torchrun" ? launch : null,
                Options = options with { TrainRowsFrom = from, TrainRowIds = rows },
            };
            TrainingResult r = ctx.Ui.Train($"{ctx.Name}: training", (p, steps) => TrainingJob.Run(spec, p, steps, ctx.Cancellation, ctx.Ui.Note));
            return $"{r.Steps} steps, {r.Tokens:N0} tokens, loss {r.FinalLoss:0.000}" +
                   (r.FinalValidationLoss is double v ? $", validation loss {v:0.000}" : "") + (from is int f ? $", rows from {f}" : "") + (rows is not null ? $", {rows.Length:N0} new rows" : "") + (r.Resumed ? " (resumed)" : "");
        };
    }
}
