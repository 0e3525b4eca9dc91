using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;

namespace Lep.Pipeline.Kinds;

/// <summary>
/// "tokenizer": a vocabulary, as `lep tokenizer OP` with "op" = train | extend | replace | trim and that command's
/// flags as options. "op": "train" with "source" trains and replaces the source's vocabulary in one step (the BPE /
/// Unigram replace vocabularies). Writes tokenizer.json, tokenizer_config.json and alignment.json.
/// </summary>
internal sealed class TokenizerStage : StageKind
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
                string type = o.Get(TokenizerTrainSchema.Type);
                string corpus = o.Get(TokenizerTrainSchema.Corpus);
                string? source = o.Get(TokenizerTrainSchema.Source);
                var spec = new TokenizerTrainSpec
                {
                    Type = TokenizerTrainSchema.ParseType(type), VocabSize = o.Get(TokenizerTrainSchema.VocabSize),
                    SpecialTokens = o.Get(TokenizerTrainSchema.Special) is { Length: > 0 } special ? special : null,
                    MinFrequency = o.Get(TokenizerTrainSchema.MinFrequency), CharacterCoverage = o.Get(TokenizerTrainSchema.CharacterCoverage), Source = source,
                };
                return ctx =>
                {
                    var r = ctx.Step($"training {type}", p => TokenizerJobs.Train(corpus, spec, ctx.Output, p));
                    return $"{type}, {r.VocabSize:N0} tokens" + (source is null ? "" : $", {r.SharedTokens:N0} shared with the source's {r.OldVocabSize:N0}, " +
                        $"{r.CarriedAddedTokens} added tokens carried");
                };
            }
            case "extend":
            {
                string tokenizer = o.Get(TokenizerExtendSchema.Tokenizer);
                string corpus = o.Get(TokenizerExtendSchema.Corpus);
                var options = new ExtendOptions { Add = o.Get(TokenizerExtendSchema.Add), MinFrequency = o.Get(TokenizerExtendSchema.MinFrequency) };
                return ctx =>
                {
                    var r = ctx.Step("extending", p => TokenizerJobs.Extend(tokenizer, corpus, options, ctx.Output, p));
                    return $"{r.OldVocabSize:N0} → {r.VocabSize:N0} tokens ({r.NewTokens:N0} new, ids {r.OldVocabSize}…{r.VocabSize - 1})";
                };
            }
            case "replace":
            {
                string source = o.Get(TokenizerReplaceSchema.Source);
                string tokenizer = o.Get(TokenizerReplaceSchema.Tokenizer);
                return ctx =>
                {
                    var r = TokenizerJobs.Replace(source, tokenizer, ctx.Output);
                    return $"{r.VocabSize:N0} tokens, {r.SharedTokens:N0} shared with the source's {r.OldVocabSize:N0}, {r.CarriedAddedTokens} added tokens carried";
                };
            }
            default:
            {
                string tokenizer = o.Get(TokenizerTrimSchema.Tokenizer);
                int keep = o.Get(TokenizerTrimSchema.Keep);
                string? corpus = o.Get(TokenizerTrimSchema.Corpus);
                int maxDocuments = o.Get(TokenizerTrimSchema.MaxDocuments);
                return ctx =>
                {
                    var r = TokenizerJobs.Trim(tokenizer, keep, ctx.Output, corpus, maxDocuments);
                    return $"{r.OldVocabSize:N0} → {r.VocabSize:N0} tokens";
                };
            }
        }
    }
}
