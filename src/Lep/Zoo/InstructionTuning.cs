using Lep.Data.Tasks;
using Lep.Formats;
using Lep.Tokenization;
using Lep.Tokenization.ChatTemplates;
using Lep.Training;

namespace Lep.Zoo;

/// <summary>The conversations the zoo's instruct model is tuned on.</summary>
internal sealed record InstructionTuningData
{
    /// <summary>A `lep data tasks` dir: all English-prompt records of its train split and this share of the Russian-prompt ones.</summary>
    public required string Tasks { get; init; }
    public double RussianShare { get; init; } = 0.25;
    /// <summary>A corpus dir whose training text gives the extra copy-task conversations.</summary>
    public required string Corpus { get; init; }
    public int CopyEnglish { get; init; }
    public int CopyRussian { get; init; }
}

/// <summary>
/// Instruction tuning of the zoo's instruct start (all weights, chat template, loss on the replies): the task data as
/// conversations plus copy-task conversations from the training text — copying is the skill the instruct model must
/// have (DESIGN §3) and the one a tiny model learns last from a mix of seven task kinds. Dev split for validation.
/// </summary>
internal static class InstructionTuning
{
    public static TrainingResult Run(string model, InstructionTuningData data, TrainingOptions options, string output, string device,
        IProgress<TrainingProgress>? steps = null, CancellationToken cancellation = default)
    {
        int seed = checked((int)options.Seed);
        Tokenizer tokenizer = Tokenizer.Load(model);
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(Path.Combine(model, "tokenizer_config.json"));
        List<TrainingDocument> Documents(string split) => InstructionData.Select(InstructionData.Read(Path.Combine(data.Tasks, $"{split}.jsonl")), data.RussianShare, seed)
            .Select((r, i) => ChatDocuments.Encode(tokenizer, template, InstructionData.Conversation(r, i))).ToList();
        var train = Documents("train");
        train.AddRange(TrainingMix.CopyConversations(data.Corpus, data.CopyEnglish, data.CopyRussian, seed).Select(c => ChatDocuments.Encode(tokenizer, template, c)));
        var dev = Documents("dev");
        var spec = new TrainingJobSpec
        {
            ModelDirectory = model, Corpus = [Path.Combine(data.Tasks, "train.jsonl")], OutputDirectory = output, ReplaceOutput = true,
            Storage = DType.F32, Device = device, Options = options,
        };
        return TrainingJob.Train(spec, train, dev, steps, cancellation);
    }
}
