using Lep.Options;
using Lep.Tokenization.Vocabulary;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "tokenizer": a vocabulary, as `lep tokenizer OP` with "op" = train | extend | replace | trim and that command's
/// flags as options. "op": "train" with "source" trains and replaces the source's vocabulary in one step (the BPE /
/// Unigram replace vocabularies). Writes tokenizer.json, tokenizer_config.json and alignment.json.
/// </summary>
public sealed class TokenizerStage : StageKind
{
    public override string Name => "tokenizer";
    public override string Description => "a vocabulary: op train (with source: replace its vocabulary), extend, replace or trim (lep tokenizer OP)";

    public override StageAction Bind(StageOptions o)
    {
        string op = o.Selector("op", "train", "extend", "replace", "trim");
        switch (op)
        {
            case "train":
            {
                string type = o.RequiredChoice("type", "bpe", "spbpe", "unigram");
                string corpus = o.Path("corpus");
                int size = o.RequiredInt("vocab-size");
                IReadOnlyList<string> special = o.StringList("special");
                long minFrequency = o.Long("min-frequency", 2);
                double coverage = o.Double("character-coverage", 0.9995);
                string? source = o.OptionalPath("source");
                if (size < 2) o.Error("vocab-size", "must be ≥ 2");
                if (NumericRange.Share.Problem(coverage) is string problem) o.Error("character-coverage", problem);
                var spec = new TokenizerTrainSpec
                {
                    Type = TokenizerTrainSpec.ParseType(type), VocabSize = size, SpecialTokens = special.Count > 0 ? special : null,
                    MinFrequency = minFrequency, CharacterCoverage = coverage, Source = source,
                };
                return ctx =>
                {
                    var r = ctx.Step($"training {type}", p => TokenizerJobs.Train(corpus, spec, ctx.Output, p));
                    return $"{type}, {r.VocabSize:N0} tokens" + (source is null ? "" : $", {r.SharedTokens:N0} shared with the source's {r.OldVocabSize:N0}, {r.CarriedAddedTokens} added tokens carried");
                };
            }
            case "extend":
            {
                string tokenizer = o.Path("tokenizer");
                string corpus = o.Path("corpus");
                int add = o.RequiredInt("add");
                long minFrequency = o.Long("min-frequency", 2);
                if (add < 1) o.Error("add", "must be ≥ 1");
                var options = new ExtendOptions { Add = add, MinFrequency = minFrequency };
                return ctx =>
                {
                    var r = ctx.Step("extending", p => TokenizerJobs.Extend(tokenizer, corpus, options, ctx.Output, p));
                    return $"{r.OldVocabSize:N0} → {r.VocabSize:N0} tokens ({r.NewTokens:N0} new, ids {r.OldVocabSize}…{r.VocabSize - 1})";
                };
            }
            case "replace":
            {
                string source = o.Path("source");
                string tokenizer = o.Path("tokenizer");
                return ctx =>
                {
                    var r = TokenizerJobs.Replace(source, tokenizer, ctx.Output);
                    return $"{r.VocabSize:N0} tokens, {r.SharedTokens:N0} shared with the source's {r.OldVocabSize:N0}, {r.CarriedAddedTokens} added tokens carried";
                };
            }
            default:
            {
                string tokenizer = o.Path("tokenizer");
                int keep = o.RequiredInt("keep");
                string? corpus = o.OptionalPath("corpus");
                int maxDocuments = o.Int("max-documents", int.MaxValue);
                if (keep < 1) o.Error("keep", "must be ≥ 1");
                return ctx =>
                {
                    var r = TokenizerJobs.Trim(tokenizer, keep, ctx.Output, corpus, maxDocuments);
                    return $"{r.OldVocabSize:N0} → {r.VocabSize:N0} tokens";
                };
            }
        }
    }
}
