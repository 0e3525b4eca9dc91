using Lep.Options;

namespace Lep.Training;

/// <summary>The options of `lep train` and the pipeline's "train" stage (with <see cref="Modeling.LoraSchema"/>,
/// <see cref="Torchrun.TorchrunSchema"/> and <see cref="Runtime.DeviceSchema"/>); <see cref="TrainingOptions"/>
/// takes its defaults from here.</summary>
internal static class TrainingSchema
{
    public static readonly OptionSpec<string> Model = OptionSpec.Path("model", "the HF model dir to start from (with tokenizer.json)");
    public static readonly OptionSpec<string[]> Corpus = OptionSpec.Paths("corpus",
        "training text: .txt (documents separated by an empty line) or .jsonl with \"text\"; repeatable", required: true);
    public static readonly OptionSpec<string?> Validation = OptionSpec.OptionalPath("validation", "held-out text (default: every 50th training document)");
    public static readonly OptionSpec<string> Trainable = OptionSpec.Choice("trainable", "all",
        "all; embeddings (embed_tokens + lm_head only: the LEP donor stage); or lora (adapters on the projections, merged on save)",
        "all", "embeddings", "lora");
    public static readonly OptionSpec<int> Steps = OptionSpec.Int("steps", 1000, "optimizer steps", min: 1);
    public static readonly OptionSpec<int> BlockSize = OptionSpec.Int("block-size", 256, "tokens per packed row", min: 2);
    public static readonly OptionSpec<int> BatchSize = OptionSpec.Int("batch-size", 8, "rows per micro-batch", min: 1);
    public static readonly OptionSpec<int> GradientAccumulation = OptionSpec.Int("grad-accum", 1, "micro-batches per optimizer step", min: 1);
    public static readonly OptionSpec<double> LearningRate = OptionSpec.Number("lr", 1e-3, "peak learning rate", NumericRange.Positive);
    public static readonly OptionSpec<int> Warmup = OptionSpec.Int("warmup", 50, "linear warm-up steps", min: 0);
    public static readonly OptionSpec<double> MinLearningRateRatio = OptionSpec.Number("min-lr-ratio", 0.1,
        "final learning rate as a share of the peak (cosine)", NumericRange.Fraction);
    public static readonly OptionSpec<double> WeightDecay = OptionSpec.Number("weight-decay", 0.1, "AdamW weight decay", NumericRange.NonNegative);
    public static readonly OptionSpec<double> Clip = OptionSpec.Number("clip", 1.0, "gradient norm clip (0 = off)", NumericRange.NonNegative);
    public static readonly OptionSpec<int> EvalEvery = OptionSpec.Int("eval-every", 100, "validate every N steps");
    /// <summary>100, as docs/pipeline.md documents it (the options record said 200 while `lep train` and the pipeline
    /// said 100).</summary>
    public static readonly OptionSpec<int> CheckpointEvery = OptionSpec.Int("checkpoint-every", 100,
        "checkpoint every N steps (resume by re-running the command)");
    public static readonly OptionSpec<int?> MaxDocuments = OptionSpec.OptionalInt("max-documents", "use only the first N documents", min: 1);
    public static readonly OptionSpec<int?> NewRowsFrom = OptionSpec.OptionalInt("new-rows-from",
        "with --trainable embeddings: update only rows with this id or above (e.g. the tokens an extension added)", min: 0);
    public static readonly OptionSpec<bool> NewRowsOnly = OptionSpec.Flag("new-rows-only",
        "with --trainable embeddings: update only the rows `lep init` did not copy (read from MODEL_DIR/alignment.json; any vocabulary, replaced ones included)");
    public static readonly OptionSpec<long> Seed = OptionSpec.Long("seed", 1, "data order seed");
    public static readonly OptionSpec<string> Storage = OptionSpec.Choice("storage", "bf16", "dtype of the written weights: bf16, f16 or f32", "bf16", "f16", "f32");
}
