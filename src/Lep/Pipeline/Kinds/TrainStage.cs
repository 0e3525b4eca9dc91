using Lep.Formats;
using Lep.Modeling;
using Lep.Runtime;
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
internal sealed class TrainStage : StageKind
{
    public override string Name => "train";
    public override string Description => "training on a corpus: all weights, only embeddings + head, or LoRA adapters (lep train); resumes from its checkpoint";
    public override StageWriting Writing => StageWriting.InPlace;
    public override IEnumerable<string> ScratchPaths(string artifactDirectory) => [TrainingJob.RunDirectoryFor(artifactDirectory)];

    public override StageAction Bind(StageOptions o)
    {
        string model = o.Get(TrainingSchema.Model);
        IReadOnlyList<string> corpus = o.Get(TrainingSchema.Corpus);
        string? validation = o.Get(TrainingSchema.Validation);
        string trainable = o.Get(TrainingSchema.Trainable);
        LoraOptions? lora = LoraStageOptions.Read(o, trainable == "lora");
        var options = new TrainingOptions
        {
            Steps = o.Get(TrainingSchema.Steps), BlockSize = o.Get(TrainingSchema.BlockSize), BatchSize = o.Get(TrainingSchema.BatchSize),
            GradientAccumulation = o.Get(TrainingSchema.GradientAccumulation), LearningRate = o.Get(TrainingSchema.LearningRate),
            WarmupSteps = o.Get(TrainingSchema.Warmup), MinLearningRateRatio = o.Get(TrainingSchema.MinLearningRateRatio),
            WeightDecay = o.Get(TrainingSchema.WeightDecay), GradientClip = o.Get(TrainingSchema.Clip), EvalEvery = o.Get(TrainingSchema.EvalEvery),
            CheckpointEvery = o.Get(TrainingSchema.CheckpointEvery), Seed = o.Get(TrainingSchema.Seed), Trainable = TrainableSets.Parse(trainable),
        };
        if (lora is not null) options = options with { Lora = lora };
        int? maxDocuments = o.Get(TrainingSchema.MaxDocuments);
        var (rowsFrom, rowsFromReference) = o.IntOrReference(TrainingSchema.NewRowsFrom);
        string storage = o.Get(TrainingSchema.Storage);
        bool torchrun = o.Get(TorchrunSchema.Engine) == "torchrun";
        var launch = new TorchrunLaunch
        {
            NprocPerNode = o.Get(TorchrunSchema.NprocPerNode), Nnodes = o.Get(TorchrunSchema.Nnodes), NodeRank = o.Get(TorchrunSchema.NodeRank),
            RendezvousEndpoint = o.Get(TorchrunSchema.RendezvousEndpoint), RendezvousTimeoutSeconds = o.Get(TorchrunSchema.RendezvousTimeout),
            ActivationCheckpointing = o.Get(TorchrunSchema.ActivationCheckpointing),
        };
        // N ranks × b rows take the same steps as 1 rank × N·b (the engine's tests): the layout may change between runs.
        o.HowItRuns(TorchrunSchema.NprocPerNode, TorchrunSchema.Nnodes, TorchrunSchema.NodeRank, TorchrunSchema.RendezvousEndpoint,
            TorchrunSchema.RendezvousTimeout, TorchrunSchema.ActivationCheckpointing);
        // The torch engine picks its GPUs itself (this build's CPU-only TorchSharp has no say in it): auto unless given.
        string device = o.Device(DeviceSchema.Device, register: !torchrun);
        if (torchrun && !o.Has(DeviceSchema.Device)) device = "auto";
        else if (torchrun && device is not ("auto" or "cpu" or "cuda")) o.Error(DeviceSchema.Device, $"'{device}' is not one of auto, cpu, cuda (the torchrun engine places the " +
            $"ranks itself)");
        bool newRowsOnly = o.Get(TrainingSchema.NewRowsOnly);
        // Placeholders for the run-time values, so that the checks below see what the run will have.
        options = options with { TrainRowsFrom = rowsFromReference is not null ? 0 : rowsFrom, TrainRowIds = newRowsOnly ? [] : null };
        o.Check(options.Validate);
        if (torchrun) o.Check(() => launch.Validate(options));

        return ctx =>
        {
            int? from = rowsFromReference is null ? rowsFrom : NewRows.FirstAddedId(rowsFromReference);
            int[]? rows = newRowsOnly ? NewRows.Of(model) : null;
            var spec = new TrainingJobSpec
            {
                ModelDirectory = model, Corpus = corpus, ValidationCorpus = validation, OutputDirectory = ctx.Output, ReplaceOutput = true,
                Storage = DTypes.ParseFloat(storage), MaxDocuments = maxDocuments, Device = device,
                Torchrun = torchrun ? launch : null,
                Options = options with { TrainRowsFrom = from, TrainRowIds = rows },
            };
            TrainingResult r = ctx.Ui.Train($"{ctx.Name}: training", (p, steps) => TrainingJob.Run(spec, p, steps, ctx.Cancellation, ctx.Ui.Note));
            return $"{r.Steps} steps, {r.Tokens:N0} tokens, loss {r.FinalLoss:0.000}" +
                   (r.FinalValidationLoss is double v ? $", validation loss {v:0.000}" : "") + (from is int f ? $", rows from " +
                       $"{f}" : "") + (rows is not null ? $", {rows.Length:N0} new rows" : "") + (r.Resumed ? " (resumed)" : "");
        };
    }
}
