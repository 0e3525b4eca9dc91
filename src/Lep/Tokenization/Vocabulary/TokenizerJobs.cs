using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Formats;
using Lep.Tokenization.Training;

namespace Lep.Tokenization.Vocabulary;

/// <summary>The tokenizer styles `lep tokenizer train` learns.</summary>
public enum TokenizerType
{
    /// <summary>Byte-level BPE (Llama-3 / GPT-4 style).</summary>
    Bpe,
    /// <summary>SentencePiece BPE with byte fallback (Llama-2 / Mistral style).</summary>
    SpBpe,
    /// <summary>SentencePiece Unigram with byte fallback.</summary>
    Unigram,
}

/// <summary>What `lep tokenizer train` learns: the tokenizer style, the vocabulary size and the trainer's
/// thresholds.</summary>
public sealed record TokenizerTrainSpec
{
    /// <summary>The tokenizer style.</summary>
    public required TokenizerType Type { get; init; }
    /// <summary>Tokens in the trained vocabulary, special tokens included.</summary>
    public required int VocabSize { get; init; }
    /// <summary>Special tokens (null: none for byte-level BPE, &lt;unk&gt; &lt;s&gt; &lt;/s&gt; otherwise).</summary>
    public IReadOnlyList<string>? SpecialTokens { get; init; }
    /// <summary>A merge or piece must occur at least this often in the corpus.</summary>
    public long MinFrequency { get; init; } = TokenizerTrainSchema.MinFrequency.Default;
    /// <summary>Share of the corpus's characters the alphabet must cover (the rest fall back to bytes).</summary>
    public double CharacterCoverage { get; init; } = TokenizerTrainSchema.CharacterCoverage.Default;
    /// <summary>When set, the trained vocabulary replaces this tokenizer's (its special/added tokens and
    /// tokenizer_config.json carried over, as <see cref="TokenizerJobs.Replace(string, string, string, bool)"/>): the
    /// "BPE/Unigram replace" vocabularies of DESIGN §1.1 in one step.</summary>
    public string? Source { get; init; }
}

/// <summary>What a tokenizer job wrote: sizes before/after and, for trained or extended vocabularies, the trainer's report.</summary>
public sealed record TokenizerJobResult(string Output, int OldVocabSize, int VocabSize, int NewTokens, int SharedTokens,
    int CarriedAddedTokens, TrainingReport? Report, long SkippedBytes);

/// <summary>
/// The vocabulary steps end to end (read inputs, build, write tokenizer.json + tokenizer_config.json + alignment.json
/// atomically): what `lep tokenizer train|extend|replace|trim` and the pipeline's tokenizer stage run.
/// </summary>
public static class TokenizerJobs
{
    /// <summary>Trains a tokenizer on <paramref name="corpus"/> and writes its dir to <paramref name="output"/>.</summary>
    /// <param name="replaceOutput">replace an existing non-empty output dir (see <see cref="Formats.StagingDirectory"/>)</param>
    public static TokenizerJobResult Train(string corpus, TokenizerTrainSpec spec, string output,
        IProgress<(string Stage, double Fraction)>? progress = null, bool replaceOutput = false)
    {
        TokenizerSource? source = spec.Source is null ? null : TokenizerSource.Load(spec.Source);
        var reader = new CorpusReader(corpus);
        (Tokenizer tok, TrainingReport report) = spec.Type == TokenizerType.Unigram
            ? UnigramTrainer.Train(reader, new UnigramTrainerOptions
            {
                VocabSize = spec.VocabSize, CharacterCoverage = spec.CharacterCoverage,
                SpecialTokens = spec.SpecialTokens ?? BpeTrainer.SentencePieceSpecials,
            }, progress)
            : BpeTrainer.Train(reader, new BpeTrainerOptions
            {
                VocabSize = spec.VocabSize, MinFrequency = spec.MinFrequency, SpecialTokens = spec.SpecialTokens,
                SentencePiece = spec.Type == TokenizerType.SpBpe, CharacterCoverage = spec.CharacterCoverage,
            }, progress);
        if (source is null)
        {
            TokenizerFiles.WriteDirectory(output, tok, null, null, replaceOutput);
            return new TokenizerJobResult(Path.GetFullPath(output), 0, tok.VocabSize, tok.VocabSize, 0, 0, report, reader.SkippedBytes);
        }
        TokenizerJobResult replaced = Replace(source, new TokenizerSource(tok, null, corpus), output, replaceOutput);
        return replaced with { Report = report, SkippedBytes = reader.SkippedBytes };
    }

    /// <summary>Adds new tokens learned on <paramref name="corpus"/> after the tokenizer's own (old ids
    /// unchanged).</summary>
    public static TokenizerJobResult Extend(string tokenizer, string corpus, ExtendOptions options, string output,
        IProgress<(string Stage, double Fraction)>? progress = null, bool replaceOutput = false)
    {
        var src = TokenizerSource.Load(tokenizer);
        var reader = new CorpusReader(corpus);
        var (tok, report) = VocabularyOperations.Extend(src.Tokenizer, reader, options, progress, src.JsonPath);
        VocabularyAlignment alignment = WriteAligned(output, src, tok, src.Config, "extend", replaceOutput);
        return new TokenizerJobResult(Path.GetFullPath(output), alignment.OldVocabSize, tok.VocabSize, report.NewTokens, SharedCount(alignment), 0, report, reader.SkippedBytes);
    }

    /// <summary>Gives <paramref name="tokenizer"/>'s vocabulary the original's special tokens and config (the "replace"
    /// vocabularies).</summary>
    /// <param name="source">the original tokenizer (its special/added tokens and tokenizer_config.json are carried over)</param>
    /// <param name="tokenizer">the new tokenizer</param>
    public static TokenizerJobResult Replace(string source, string tokenizer, string output, bool replaceOutput = false) =>
        Replace(TokenizerSource.Load(source), TokenizerSource.Load(tokenizer), output, replaceOutput);

    private static TokenizerJobResult Replace(TokenizerSource src, TokenizerSource replacement, string output, bool replaceOutput)
    {
        var tok = VocabularyOperations.Replace(src.Tokenizer, replacement.Tokenizer);
        VocabularyAlignment alignment = WriteAligned(output, src, tok, src.Config ?? replacement.Config, "replace", replaceOutput);
        int shared = SharedCount(alignment);
        return new TokenizerJobResult(Path.GetFullPath(output), alignment.OldVocabSize, tok.VocabSize,
            tok.VocabSize - shared, shared, src.Tokenizer.AddedTokens.Count, null, 0);
    }

    /// <summary>Keeps the first (or, with a corpus, the most used) <paramref name="keep"/> tokens and drops the rest.</summary>
    /// <param name="keep">tokens to keep in all (base alphabet, bytes and special tokens always stay)</param>
    /// <param name="corpus">keep the most frequent tokens on this text instead of the first ids</param>
    public static TokenizerJobResult Trim(string tokenizer, int keep, string output, string? corpus = null, int maxDocuments = int.MaxValue, bool replaceOutput = false)
    {
        var src = TokenizerSource.Load(tokenizer);
        long[]? freq = corpus is null ? null : VocabularyOperations.CountTokens(src.Tokenizer, new CorpusReader(corpus), maxDocuments);
        var (tok, _) = VocabularyOperations.Trim(src.Tokenizer, keep, freq, src.JsonPath);
        VocabularyAlignment alignment = WriteAligned(output, src, tok, src.Config, "trim", replaceOutput);
        return new TokenizerJobResult(Path.GetFullPath(output), alignment.OldVocabSize, tok.VocabSize, 0, SharedCount(alignment), 0, null, 0);
    }

    /// <summary>Writes the new tokenizer's dir with its alignment against the source: the one alignment.json that init,
    /// train and propagate read (the same alignment they compute from the two tokenizer dirs).</summary>
    private static VocabularyAlignment WriteAligned(string output, TokenizerSource src, Tokenizer tok, JsonObject? config, string operation, bool replaceOutput)
    {
        JsonObject newConfig = TokenizerFiles.UpdateConfig(tok, config);
        var inputs = new AlignmentInputs(FileHash.Sha256(src.JsonPath), AlignmentInputs.Sha256(tok),
            TokenizerFiles.Roles(src.Config), TokenizerFiles.Roles(newConfig));
        VocabularyAlignment alignment = VocabularyAlignment.Build(src.Tokenizer, tok, inputs.OldRoles, inputs.NewRoles).WithInputs(inputs, operation);
        TokenizerFiles.WriteDirectory(output, tok, newConfig, alignment, replaceOutput);
        return alignment;
    }

    /// <summary>New tokens whose row is an old row (same bytes, or the same special token).</summary>
    private static int SharedCount(VocabularyAlignment alignment) => alignment.Tokens.Count(t => t.ReusesOldRow);
}
