using Lep.Options;

namespace Lep.Evaluation;

/// <summary>The options of `lep eval` and the pipeline's "eval" stage (with <see cref="Runtime.DeviceSchema"/>);
/// <see cref="EvalOptions"/> takes its defaults from here.</summary>
internal static class EvalSchema
{
    public static readonly OptionSpec<string[]> Model = OptionSpec.Paths("model",
        "a model directory (HF format with tokenizer.json), optionally NAME=DIR; repeat for side by side (the first is the speed baseline)", required: true);
    public static readonly OptionSpec<string> Suite = OptionSpec.Path("suite", "a task file (.jsonl, .json, .txt) or a directory of them (see docs/eval.md)");
    public static readonly OptionSpec<int?> Limit = OptionSpec.OptionalInt("limit", "score at most N items (documents) per task", min: 1);
    public static readonly OptionSpec<int> Shots = OptionSpec.Int("shots", 0, "few-shot demonstrations taken from the start of each task file", min: 0);
    public static readonly OptionSpec<int> BatchSize = OptionSpec.Int("batch-size", 8, "sequences per forward pass when scoring log-likelihoods", min: 1);
    public static readonly OptionSpec<int> MaxNewTokens = Modeling.GenerateSchema.MaxNewTokens.WithDefault(256).WithDescription("cap on generated tokens per reply");
    public static readonly OptionSpec<string> Prompt = OptionSpec.Choice("prompt", Prompts.PromptMode.Auto,
        "prompt style: auto (chat template when the model has one), chat, plain");
    public static readonly OptionSpec<bool> NoSpeed = OptionSpec.Flag("no-speed", "skip the generation speed benchmark");
    public static readonly OptionSpec<int> SpeedPrompts = OptionSpec.Int("speed-prompts", 4, "prompts in the speed benchmark", min: 1);
    public static readonly OptionSpec<int> SpeedTokens = OptionSpec.Int("speed-tokens", 64, "new tokens per speed prompt", min: 1);
    public static readonly OptionSpec<string?> SpeedTask = OptionSpec.OptionalText("speed-task",
        "take the speed prompts from this task first (e.g. copy_ru, to time Russian generation)");
    public static readonly OptionSpec<bool> HeldOutOnly = OptionSpec.Flag("heldout-only",
        "measure only the held-out texts (.txt tasks: bits/char, chars/token), e.g. for base models, which have no chat template");

    public static Prompts.PromptMode ParsePrompt(string name) => OptionSpec.ParseChoice<Prompts.PromptMode>(name);
}
