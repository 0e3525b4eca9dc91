using Lep.Options;
using Lep.Training;

namespace Lep.Calibration;

/// <summary>The options of `lep calibrate` and the pipeline's "calibrate" stage (with <see cref="Modeling.LoraSchema"/>
/// and <see cref="Runtime.DeviceSchema"/>); <see cref="Calibrator.DefaultTraining"/> and the source records take their
/// defaults from here. The training options are <see cref="TrainingSchema"/>'s with a calibration's defaults.</summary>
internal static class CalibrationSchema
{
    public static readonly OptionSpec<string> Model = OptionSpec.Path("model", "the LEP model dir to tune (with its tokenizer.json and chat template)");
    public static readonly OptionSpec<string?> Teacher = OptionSpec.OptionalPath("teacher", "self-calibration: the original instruct model dir, which answers --prompts");
    public static readonly OptionSpec<string?> Prompts = OptionSpec.OptionalPath("prompts",
        "self-calibration prompts: .txt (one per line) or .jsonl ({\"prompt\"} or {\"messages\"})");
    public static readonly OptionSpec<int> MaxNewTokens = Modeling.GenerateSchema.MaxNewTokens.WithDefault(256).WithDescription("longest teacher answer, in teacher tokens");
    public static readonly OptionSpec<string?> Sft = OptionSpec.OptionalPath("sft", "SFT data: .jsonl with {\"messages\": [...]} or {\"prompt\", \"response\"} per line");
    public static readonly OptionSpec<string?> CopyFrom = OptionSpec.OptionalPath("copy-from", "copy task: take sentences (≤ 20 words) from this text file");
    public static readonly OptionSpec<int> CopyCount = OptionSpec.Int("copy-count", 500, "copy task: number of \"repeat exactly\" conversations", min: 1);
    public static readonly OptionSpec<string> CopyLanguage = OptionSpec.Choice("copy-lang", "en", "copy task: language of the instruction (en or ru)", "en", "ru");
    public static readonly OptionSpec<string> Trainable = OptionSpec.Choice("trainable", "lora", "lora (adapters, merged on save) or all", "lora", "all");
    public static readonly OptionSpec<int> Steps = TrainingSchema.Steps.WithDefault(200);
    public static readonly OptionSpec<double> LearningRate = TrainingSchema.LearningRate.WithDefault(5e-4);
    public static readonly OptionSpec<int> BatchSize = TrainingSchema.BatchSize.WithDefault(8).WithDescription("rows per optimizer step");
    public static readonly OptionSpec<int> BlockSize = TrainingSchema.BlockSize.WithDefault(256);
    public static readonly OptionSpec<int> Warmup = TrainingSchema.Warmup.WithDefault(10);
    public static readonly OptionSpec<int> CheckpointEvery = TrainingSchema.CheckpointEvery.WithDefault(50);
    public static readonly OptionSpec<long> Seed = TrainingSchema.Seed.WithDefault(1).WithDescription("seed of the adapters, the copy-task sentences and the data order");
    public static readonly OptionSpec<string?> Storage = OptionSpec.OptionalChoice("storage",
        "dtype of the written weights: bf16, f16 or f32 (default: the input's)", "bf16", "f16", "f32");
}
