using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Options;
using Lep.Tokenization;
using Lep.Zoo;

namespace Lep.Pipeline.Kinds;

/// <summary>"zoo-tokenizer": the zoo's byte-level BPE (<see cref="ZooTokenizer"/>: its special tokens, BOS on every
/// text, no chat template yet) trained on "corpus": tokenizer.json + tokenizer_config.json.</summary>
internal sealed class ZooTokenizerStage : StageKind
{
    public override string Name => "zoo-tokenizer";
    public override string Description => "the zoo's byte-level BPE with its special tokens (BOS added to every text), trained on a text file";

    public override StageAction Bind(StageOptions o)
    {
        string corpus = o.Get(ZooTokenizerSchema.Corpus);
        int vocabSize = o.Get(ZooTokenizerSchema.VocabSize);
        return ctx =>
        {
            Tokenizer tokenizer = ctx.Step("training the tokenizer", p => ZooTokenizer.Train(corpus, vocabSize, p));
            tokenizer.Save(Path.Combine(ctx.Output, "tokenizer.json"));
            JsonFile.Write(Path.Combine(ctx.Output, "tokenizer_config.json"), ZooTokenizer.TokenizerConfig(withChatTemplate: false));
            return $"{tokenizer.VocabSize:N0} tokens";
        };
    }
}

/// <summary>The options of the "zoo-tokenizer" stage kind.</summary>
internal static class ZooTokenizerSchema
{
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "the training text (documents separated by an empty line)");
    public static readonly OptionSpec<int> VocabSize = OptionSpec.RequiredInt("vocab-size", "tokens in the vocabulary, special tokens included", min: 300);
}
