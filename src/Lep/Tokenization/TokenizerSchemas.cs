using Lep.Options;

namespace Lep.Tokenization;

/// <summary>The options of `lep tokenizer train` and the pipeline's tokenizer stage with "op": "train";
/// <see cref="Vocabulary.TokenizerTrainSpec"/> and the trainers take their defaults and checks from here.</summary>
internal static class TokenizerTrainSchema
{
    public static readonly OptionSpec<string> Type = OptionSpec.RequiredChoice<Vocabulary.TokenizerType>("type",
        "bpe (byte-level, Llama-3 style), spbpe (SentencePiece BPE with byte fallback) or unigram (SentencePiece Unigram with byte fallback)");
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "training text: .txt (documents separated by an empty line) or .jsonl with \"text\"");
    public static readonly OptionSpec<int> VocabSize = OptionSpec.RequiredInt("vocab-size", "total vocabulary size (special tokens and base alphabet included)", min: 2);
    public static readonly OptionSpec<string[]> Special = OptionSpec.TextList("special", "special tokens (default: none for bpe; <unk> <s> </s> otherwise)");
    public static readonly OptionSpec<long> MinFrequency = OptionSpec.Long("min-frequency", 2, "BPE: least pair count to merge", min: 1);
    public static readonly OptionSpec<double> CharacterCoverage = OptionSpec.Number("character-coverage", 0.9995,
        "SentencePiece styles: share of characters in the alphabet (the rest: byte fallback)", NumericRange.Share);
    public static readonly OptionSpec<string?> Source = OptionSpec.OptionalPath("source",
        "replace this tokenizer's vocabulary with the trained one (its special tokens and tokenizer_config.json carried over, as `lep tokenizer replace`)");

    public static Vocabulary.TokenizerType ParseType(string name) => OptionSpec.ParseChoice<Vocabulary.TokenizerType>(name);
}

/// <summary>The options of `lep tokenizer extend` and "op": "extend"; <see cref="Vocabulary.ExtendOptions"/> takes its
/// defaults and checks from here.</summary>
internal static class TokenizerExtendSchema
{
    public static readonly OptionSpec<string> Tokenizer = OptionSpec.Path("tokenizer",
        "the tokenizer to extend: tokenizer.json or a directory holding one (byte-level or SentencePiece BPE)");
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "text to learn the new tokens on");
    public static readonly OptionSpec<int> Add = OptionSpec.RequiredInt("add", "number of new tokens", min: 1);
    public static readonly OptionSpec<long> MinFrequency = TokenizerTrainSchema.MinFrequency.WithDescription("least pair count to merge");
}

/// <summary>The options of `lep tokenizer replace` and "op": "replace".</summary>
internal static class TokenizerReplaceSchema
{
    public static readonly OptionSpec<string> Source = OptionSpec.Path("source",
        "the original tokenizer (its special/added tokens and tokenizer_config.json are carried over)");
    public static readonly OptionSpec<string> Tokenizer = OptionSpec.Path("tokenizer", "the new tokenizer (e.g. from `lep tokenizer train`)");
}

/// <summary>The options of `lep tokenizer trim` and "op": "trim".</summary>
internal static class TokenizerTrimSchema
{
    public static readonly OptionSpec<string> Tokenizer = OptionSpec.Path("tokenizer", "the tokenizer to trim (BPE or Unigram)");
    public static readonly OptionSpec<int> Keep = OptionSpec.RequiredInt("keep", "tokens to keep in all (base alphabet, bytes and special tokens always stay)", min: 1);
    public static readonly OptionSpec<string?> Corpus = OptionSpec.OptionalPath("corpus", "keep the most frequent tokens on this text instead of the first ids");
    public static readonly OptionSpec<int> MaxDocuments = OptionSpec.Int("max-documents", int.MaxValue, "with --corpus: count on at most this many documents");
}
