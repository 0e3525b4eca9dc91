using System.Text.Json.Serialization;
using Lep.Modeling;
using Lep.Options;

namespace Lep.Training;

/// <summary>Which parameters a run updates.</summary>
public enum TrainableSet
{
    /// <summary>Every parameter.</summary>
    All,
    /// <summary>Only embed_tokens and lm_head (the LEP donor stage; tied models: the one matrix).</summary>
    EmbeddingsAndHead,
    /// <summary>LoRA adapters on the projections named in <see cref="TrainingOptions.Lora"/> (base weights frozen; with
    /// <see cref="LoraOptions.TrainEmbeddings"/> also embed_tokens and lm_head). Saved models have the adapters merged.</summary>
    Lora,
}

/// <summary>The names of <see cref="TrainableSet"/> in `--trainable` and the pipeline's "trainable".</summary>
internal static class TrainableSets
{
    /// <summary>all, embeddings (= <see cref="TrainableSet.EmbeddingsAndHead"/>), lora.</summary>
    public static TrainableSet Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "all" => TrainableSet.All,
        "embeddings" => TrainableSet.EmbeddingsAndHead,
        "lora" => TrainableSet.Lora,
        _ => throw new ArgumentException($"unknown trainable set '{name}' (expected all, embeddings or lora)"),
    };

    public static string Name(TrainableSet set) => set switch
    {
        TrainableSet.EmbeddingsAndHead => "embeddings",
        TrainableSet.Lora => "lora",
        _ => "all",
    };
}

/// <summary>Hyper-parameters of a training run (defaults: <see cref="TrainingSchema"/>, the LEP paper's AdamW setting).</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = TrainingSchema.Steps.Default;
    /// <summary>Tokens per packed row.</summary>
    public int BlockSize { get; init; } = TrainingSchema.BlockSize.Default;
    /// <summary>Rows per micro-batch.</summary>
    public int BatchSize { get; init; } = TrainingSchema.BatchSize.Default;
    /// <summary>Micro-batches per optimizer step.</summary>
    public int GradientAccumulation { get; init; } = TrainingSchema.GradientAccumulation.Default;
    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = TrainingSchema.LearningRate.Default;
    /// <summary>The cosine schedule ends at this share of the peak learning rate.</summary>
    public double MinLearningRateRatio { get; init; } = TrainingSchema.MinLearningRateRatio.Default;
    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; init; } = TrainingSchema.Warmup.Default;
    /// <summary>AdamW's first-moment decay.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>AdamW's second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.95;
    /// <summary>AdamW's denominator epsilon.</summary>
    public double Epsilon { get; init; } = 1e-5;
    /// <summary>AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = TrainingSchema.WeightDecay.Default;
    /// <summary>Gradient norm clip; 0 = off.</summary>
    public double GradientClip { get; init; } = TrainingSchema.Clip.Default;
    /// <summary>Validate every N steps; 0 = never.</summary>
    public int EvalEvery { get; init; } = TrainingSchema.EvalEvery.Default;
    /// <summary>Validation batches per evaluation.</summary>
    public int EvalBatches { get; init; } = 8;
    /// <summary>Write a resumable checkpoint every N steps; 0 = never.</summary>
    public int CheckpointEvery { get; init; } = TrainingSchema.CheckpointEvery.Default;
    /// <summary>Seed of the data order (and of LoRA's initial factors).</summary>
    public long Seed { get; init; } = TrainingSchema.Seed.Default;
    /// <summary>Which weights train: all, the embeddings and head, or LoRA adapters.</summary>
    public TrainableSet Trainable { get; init; } = TrainableSets.Parse(TrainingSchema.Trainable.Default);
    /// <summary>With <see cref="TrainableSet.EmbeddingsAndHead"/>: update only rows with this id or above (the new
    /// vocabulary of an extended tokenizer), leaving every old row as it was.</summary>
    public int? TrainRowsFrom { get; init; }
    /// <summary>With <see cref="TrainableSet.EmbeddingsAndHead"/>: update only these rows (the tokens a replaced vocabulary
    /// does not share with the old one, see <see cref="NewRows"/>), leaving every other row as it was.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? TrainRowIds { get; init; }
    /// <summary>Rank, alpha, targets of the adapters when <see cref="Trainable"/> is <see cref="TrainableSet.Lora"/>
    /// (ignored otherwise; left out of the JSON when null so older checkpoints keep their fingerprint).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LoraOptions? Lora { get; init; } = new();

    /// <summary>Throws <see cref="OptionException"/> naming the <see cref="TrainingSchema"/> (or <see cref="LoraSchema"/>)
    /// option at fault.</summary>
    public void Validate()
    {
        TrainingSchema.Steps.Require(Steps);
        TrainingSchema.BlockSize.Require(BlockSize);
        TrainingSchema.BatchSize.Require(BatchSize);
        TrainingSchema.GradientAccumulation.Require(GradientAccumulation);
        TrainingSchema.LearningRate.Require(LearningRate);
        TrainingSchema.WeightDecay.Require(WeightDecay);
        TrainingSchema.Clip.Require(GradientClip);
        TrainingSchema.Warmup.Require(WarmupSteps);
        if (WarmupSteps > Steps) throw new OptionException(TrainingSchema.Warmup, $"must be ≤ {TrainingSchema.Steps} ({WarmupSteps} > {Steps})");
        TrainingSchema.MinLearningRateRatio.Require(MinLearningRateRatio);
        TrainingSchema.NewRowsFrom.Require(TrainRowsFrom);
        OptionSetting embeddings = TrainingSchema.Trainable.Is(TrainableSets.Name(TrainableSet.EmbeddingsAndHead));
        if (TrainRowsFrom is not null && Trainable != TrainableSet.EmbeddingsAndHead)
            throw new OptionException(TrainingSchema.NewRowsFrom, $"needs {embeddings} (only embedding and head rows can be trained row by row)");
        if (TrainRowIds is not null && Trainable != TrainableSet.EmbeddingsAndHead)
            throw new OptionException(TrainingSchema.NewRowsOnly, $"needs {embeddings} (only embedding and head rows can be trained row by row)");
        if (TrainRowIds is not null && TrainRowsFrom is not null)
            throw new OptionException(TrainingSchema.NewRowsOnly, $"cannot be combined with {TrainingSchema.NewRowsFrom}");
        if (Trainable == TrainableSet.Lora)
        {
            if (Lora is null) throw new ArgumentException("LoRA training needs LoRA options (rank, alpha, targets)");
            Lora.Validate();
        }
    }
}
