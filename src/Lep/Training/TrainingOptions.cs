using System.Text.Json.Serialization;
using Lep.Modeling;

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
public static class TrainableSets
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

/// <summary>Hyper-parameters of a training run (defaults: the LEP paper's AdamW setting).</summary>
public sealed record TrainingOptions
{
    public int Steps { get; init; } = 1000;
    public int BlockSize { get; init; } = 256;
    public int BatchSize { get; init; } = 8;
    public int GradientAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-3;
    public double MinLearningRateRatio { get; init; } = 0.1;
    public int WarmupSteps { get; init; } = 50;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Epsilon { get; init; } = 1e-5;
    public double WeightDecay { get; init; } = 0.1;
    public double GradientClip { get; init; } = 1.0;
    public int EvalEvery { get; init; } = 100;
    public int EvalBatches { get; init; } = 8;
    public int CheckpointEvery { get; init; } = 200;
    public long Seed { get; init; } = 1;
    public TrainableSet Trainable { get; init; } = TrainableSet.All;
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

    public void Validate()
    {
        if (Steps <= 0) throw new ArgumentException("steps must be > 0");
        if (BlockSize < 2) throw new ArgumentException("block size must be ≥ 2");
        if (BatchSize <= 0 || GradientAccumulation <= 0) throw new ArgumentException("batch size and gradient accumulation must be > 0");
        NumericRange.Positive.Require("--lr", LearningRate);
        NumericRange.NonNegative.Require("--weight-decay", WeightDecay);
        NumericRange.NonNegative.Require("--clip", GradientClip);
        if (WarmupSteps < 0 || WarmupSteps > Steps) throw new ArgumentException("warm-up steps must be within [0, steps]");
        NumericRange.Fraction.Require("--min-lr-ratio", MinLearningRateRatio);
        if (TrainRowsFrom is int from && (from < 0 || Trainable != TrainableSet.EmbeddingsAndHead))
            throw new ArgumentException("training only the new rows needs --trainable embeddings and a non-negative first row id");
        if (TrainRowIds is not null && (Trainable != TrainableSet.EmbeddingsAndHead || TrainRowsFrom is not null))
            throw new ArgumentException("training only the new rows of a donor needs --trainable embeddings (and not --new-rows-from as well)");
        if (Trainable == TrainableSet.Lora)
        {
            if (Lora is null) throw new ArgumentException("LoRA training needs LoRA options (rank, alpha, targets)");
            Lora.Validate();
        }
    }
}
