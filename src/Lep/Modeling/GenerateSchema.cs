using Lep.Options;

namespace Lep.Modeling;

/// <summary>The options of `lep generate`; <see cref="SamplingOptions"/> takes its defaults and checks from here, and
/// the jobs that generate replies (eval, self-calibration) share <see cref="MaxNewTokens"/> with their own defaults.</summary>
internal static class GenerateSchema
{
    public static readonly OptionSpec<string> Model = OptionSpec.Path("model", "an HF model directory with tokenizer.json");
    public static readonly OptionSpec<string> Prompt = OptionSpec.RequiredText("prompt", "the text to continue");
    public static readonly OptionSpec<int> MaxNewTokens = OptionSpec.Int("max-new-tokens", 64, "how many tokens to generate at most", min: 1);
    public static readonly OptionSpec<double> Temperature = OptionSpec.Number("temperature", 0, "0 = greedy; > 0 samples", NumericRange.NonNegative);
    public static readonly OptionSpec<int> TopK = OptionSpec.Int("top-k", 0, "sample from the k most likely tokens (0 = all)", min: 0);
    public static readonly OptionSpec<double> TopP = OptionSpec.Number("top-p", 1.0, "sample from the smallest set with this probability mass", NumericRange.Share);
    public static readonly OptionSpec<long> Seed = OptionSpec.Long("seed", 0, "random seed for sampling");
    public static readonly OptionSpec<bool> NoSpecialTokens = OptionSpec.Flag("no-special-tokens", "do not add the tokenizer's special tokens (e.g. BOS) to the prompt");
    public static readonly OptionSpec<bool> Chat = OptionSpec.Flag("chat",
        "send the prompt as a user message through the model's chat template and print only the reply");
}
