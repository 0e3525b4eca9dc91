using Lep.Formats;
using Lep.Training;

namespace Lep.Calibration;

/// <summary>
/// What `lep calibrate` does: fine-tune the LEP model in <see cref="Model"/> (its own tokenizer and chat template) on
/// conversations from <see cref="Sources"/> and write the result to <see cref="Output"/> (run state in OUT.run/).
/// </summary>
public sealed record CalibrationOptions
{
    /// <summary>The propagated (LEP) model dir to fine-tune.</summary>
    public required string Model { get; init; }
    /// <summary>The calibrated model dir to write.</summary>
    public required string Output { get; init; }
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>The conversations to train on.</summary>
    public required CalibrationSources Sources { get; init; }
    /// <summary>Steps, learning rate, batch, block size, seed, trainable set (LoRA by default).</summary>
    public TrainingOptions Training { get; init; } = Calibrator.DefaultTraining;
    /// <summary>dtype of the written weights; null = the input's (bf16 stays bf16).</summary>
    public DType? Storage { get; init; }
    /// <summary>The compute device: cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = Runtime.DeviceSchema.Device.Default;
}

/// <summary>The data of a calibration; any combination, at least one.</summary>
public sealed record CalibrationSources
{
    /// <summary>The original instruct model answers prompts; the LEP model learns those answers.</summary>
    public SelfCalibrationSource? SelfCalibration { get; init; }
    /// <summary>A JSONL chat dataset: {"messages": [...]}, {"prompt", "response"} or task records (`lep data tasks`).</summary>
    public string? Sft { get; init; }
    /// <summary>Synthetic "repeat exactly" conversations over sentences of a text file.</summary>
    public CopyTaskSource? Copy { get; init; }

    /// <summary>True when no source is set (a calibration needs at least one).</summary>
    public bool IsEmpty => SelfCalibration is null && Sft is null && Copy is null;
}

/// <param name="Teacher">the original instruct model dir (its own tokenizer and chat template)</param>
/// <param name="Prompts">.txt (one prompt per line) or .jsonl ({"prompt": ...} or {"messages": [...]})</param>
/// <summary>Self-calibration: the original instruct model answers the prompts and the LEP model learns the
/// answers.</summary>
public sealed record SelfCalibrationSource(string Teacher, string Prompts)
{
    /// <summary>Greedy answers stop at the teacher's eos ids or after this many tokens.</summary>
    public int MaxNewTokens { get; init; } = CalibrationSchema.MaxNewTokens.Default;
}

/// <param name="Text">sentences come from here: .txt (documents separated by an empty line) or .jsonl with "text"</param>
/// <param name="Count">how many conversations (fewer when the file has fewer distinct sentences)</param>
/// <summary>Copy-task conversations: "repeat exactly" prompts over sentences of a text, the sentence as the
/// answer.</summary>
public sealed record CopyTaskSource(string Text, int Count)
{
    /// <summary>"en" ("Repeat exactly: …") or "ru" ("Повтори в точности: …").</summary>
    public string Language { get; init; } = CalibrationSchema.CopyLanguage.Default;
    /// <summary>Longest sentence taken, in words.</summary>
    public int MaxWords { get; init; } = 20;
}

/// <summary>What a calibration produced (also written to OUT/calibration.json).</summary>
public sealed record CalibrationResult(
    string Output,
    IReadOnlyDictionary<string, int> ConversationsBySource,
    long Tokens,
    long LearnedTokens,
    double FirstLoss,
    double FinalLoss,
    TrainingResult Training)
{
    /// <summary>Conversations trained on, over all sources.</summary>
    public int Conversations => ConversationsBySource.Values.Sum();
}
