using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Tests.Tokenization.Training;
using Lep.Tokenization;
using Lep.Tokenization.Training;
using Lep.Tokenization.Vocabulary;

namespace Lep.Tests.Tokenization.Vocabulary;

[Collection("TokenizerOracle")]
public sealed class VocabularyTests(OracleFixture ofx, TrainingFixture fx) : IClassFixture<TrainingFixture>
{
    private IEnumerable<string> Texts(int n) => fx.HeldOut.Where((_, i) => i % 2 == 0).Take(n).Concat(ofx.Fuzz.Take(300));

    [SkippableFact]
    public void Extending_llama3_keeps_old_ids_appends_after_specials_and_raises_russian_compression()
    {
        var old = ofx.Ours["llama3"];
        var (tok, report) = VocabularyOperations.Extend(old, new CorpusReader(fx.Ru2M), new ExtendOptions { Add = 2000 });
        Assert.Equal(2000, report.NewTokens);
        Assert.Equal(128256 + 2000, tok.VocabSize);
        for (int id = 0; id < old.VocabSize; id++) Assert.Equal(old.IdToToken(id), tok.IdToToken(id));
        Assert.Equal(128000, tok.TokenToId("<|begin_of_text|>"));
        Assert.Equal(128255, tok.AddedTokens.MaxId);
        Assert.Equal(old.AddedTokens.Tokens.Select(t => (t.Id, t.Token.Content)), tok.AddedTokens.Tokens.Select(t => (t.Id, t.Token.Content)));
        Assert.NotNull(tok.IdToToken(128256));
        var src = TokenizerSource.Load(OracleFixture.TokenizerPath("llama3"));
        var alignment = VocabularyAlignment.Build(old, tok, TokenizerFiles.Roles(src.Config), TokenizerFiles.Roles(src.Config));
        var dir = Path.Combine(fx.Dir, "llama3-ext");
        TokenizerFiles.WriteDirectory(dir, tok, src.Config, null);
        TrainingFixture.AssertOracleAgrees(dir, Texts(1000));
        // old ids decode to the same strings in HF
        using (var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: Path.Combine(dir, "tokenizer.json")))
            for (int id = 0; id < 128256; id += 97)
                Assert.Equal(ofx.Oracle["llama3"].Decode([(uint)id]), oracle.Decode([(uint)id]));
        double ruBefore = TrainingFixture.CharsPerToken(old, fx.RuHeldOut), ruAfter = TrainingFixture.CharsPerToken(tok, fx.RuHeldOut);
        double enBefore = TrainingFixture.CharsPerToken(old, fx.EnHeldOut), enAfter = TrainingFixture.CharsPerToken(tok, fx.EnHeldOut);
        Assert.True(ruAfter > ruBefore * 1.03, $"ru {ruBefore:0.000} → {ruAfter:0.000}");
        Assert.True(Math.Abs(enAfter / enBefore - 1) < 0.01, $"en {enBefore:0.000} → {enAfter:0.000}");
        // the alignment: old ids keep their rows, every new token is composed of old pieces that spell it
        Assert.Equal(tok.VocabSize, alignment.Tokens.Count);
        Assert.Equal(old.VocabSize, alignment.OldVocabSize);
        Assert.Equal([1000], alignment.Tokens[1000].OldIds);
        Assert.All(alignment.Tokens.Take(old.VocabSize), t => Assert.True(t.ReusesOldRow && t.OldIds.SequenceEqual([t.NewId]), $"token {t.NewId}: {t.Kind}"));
        Assert.All(alignment.Tokens.Skip(old.VocabSize), t =>
        {
            Assert.Contains(t.Kind, new[] { AlignmentKind.Composed, AlignmentKind.Bytes }); // Bytes: a partial UTF-8 character
            if (t.Kind == AlignmentKind.Composed) Assert.Equal(t.Text, old.Decode(t.OldIds, false));
        });
        // the written config
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")))!.AsObject();
        Assert.Equal("<|begin_of_text|>", (string?)cfg["bos_token"]);
        Assert.Equal("<|begin_of_text|>", (string?)cfg["added_tokens_decoder"]!["128000"]!["content"]);
        Assert.NotNull(cfg["chat_template"]);
    }

    [SkippableFact]
    public void Extending_a_sentencepiece_bpe_keeps_old_ids_and_matches_oracle()
    {
        var old = ofx.Ours["darulm32k-bpe"];
        var (tok, report) = VocabularyOperations.Extend(old, new CorpusReader(fx.Mixed1M), new ExtendOptions { Add = 500 });
        Assert.Equal(32000 + report.NewTokens, tok.VocabSize);
        Assert.True(report.NewTokens == 500);
        for (int id = 0; id < old.VocabSize; id++) Assert.Equal(old.IdToToken(id), tok.IdToToken(id));
        for (int id = old.VocabSize; id < tok.VocabSize; id++) Assert.DoesNotContain('\u2581', tok.IdToToken(id)![1..]);
        var dir = fx.Save(tok, "darulm-ext");
        TrainingFixture.AssertOracleAgrees(dir, Texts(600), lossless: false);
        Assert.True(TrainingFixture.CharsPerToken(tok, fx.EnHeldOut) > TrainingFixture.CharsPerToken(old, fx.EnHeldOut));
    }

    [SkippableFact]
    public void Replace_carries_special_tokens_by_content_and_the_config()
    {
        var src = TokenizerSource.Load(OracleFixture.TokenizerPath("llama3"));
        var (trained, _) = UnigramTrainer.Train(new CorpusReader(fx.Mixed1M), new UnigramTrainerOptions { VocabSize = 2000 });
        var tok = VocabularyOperations.Replace(src.Tokenizer, trained);
        Assert.Equal(2000 + 256, tok.VocabSize);
        Assert.Equal(2000, tok.TokenToId("<|begin_of_text|>"));
        Assert.Equal(1, tok.TokenToId("<s>"));
        Assert.Null(tok.PostProcessor); // llama3 (this file) adds no BOS: neither does the replacement
        var alignment = VocabularyAlignment.Build(src.Tokenizer, tok, TokenizerFiles.Roles(src.Config), TokenizerFiles.Roles(src.Config));
        var dir = Path.Combine(fx.Dir, "replaced");
        TokenizerFiles.WriteDirectory(dir, tok, src.Config, null);
        TrainingFixture.AssertOracleAgrees(dir, Texts(600).Append("a<|eot_id|>b <|start_header_id|>user<|end_header_id|>"));
        Assert.Equal(AlignmentKind.Special, alignment.Tokens[2000].Kind);
        Assert.Equal([128000], alignment.Tokens[2000].OldIds);
        // '▁'-spelled Unigram tokens match the byte-level old ones by their bytes, or are spelled by old pieces
        TokenText oldText = new(src.Tokenizer), newText = new(tok);
        Assert.All(alignment.Tokens.Skip(3).Take(1997), t => Assert.Equal(newText.Bytes(t.NewId), t.OldIds.SelectMany(i => oldText.Bytes(i)!)));
        Assert.True(alignment.Count(AlignmentKind.Copied) > 1000, $"{alignment.Count(AlignmentKind.Copied)} copied");
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")))!.AsObject();
        Assert.Equal("<|begin_of_text|>", (string?)cfg["added_tokens_decoder"]!["2000"]!["content"]);
        Assert.Equal(src.Config!["chat_template"]!.ToString(), cfg["chat_template"]!.ToString());

        // a SentencePiece source with a BOS template: the template follows with the new ids
        var darulm = ofx.Ours["darulm32k-bpe"];
        var (bpe, _) = BpeTrainer.Train(new CorpusReader(fx.Mixed1M), new BpeTrainerOptions { VocabSize = 1000 });
        var r2 = VocabularyOperations.Replace(darulm, bpe);
        Assert.Equal(1000, r2.TokenToId("<unk>"));
        Assert.Equal(r2.TokenToId("<s>"), r2.Encode("hi", true)[0]);
        TrainingFixture.AssertOracleAgrees(fx.Save(r2, "replaced2"), Texts(300));
    }

    [SkippableTheory]
    [InlineData("llama3", 20000, false)]
    [InlineData("darulm32k-bpe", 8000, true)]
    [InlineData("darulm32k-unigram", 8000, true)]
    public void Trim_keeps_n_tokens_base_alphabet_and_specials_and_matches_oracle(string name, int keep, bool byCorpus)
    {
        var old = ofx.Ours[name];
        long[]? freq = byCorpus ? VocabularyOperations.CountTokens(old, new CorpusReader(fx.Mixed1M), 2000) : null;
        var (tok, oldIds) = VocabularyOperations.Trim(old, keep, freq);
        Assert.Equal(keep, tok.VocabSize);
        for (int id = 0; id < tok.VocabSize; id++) Assert.Equal(old.IdToToken(oldIds[id]), tok.IdToToken(id));
        foreach (var (_, t) in old.AddedTokens.Tokens) Assert.NotNull(tok.TokenToId(t.Content));
        var dir = fx.Save(tok, "trim-" + name);
        TrainingFixture.AssertOracleAgrees(dir, Texts(500), lossless: name == "llama3");
        TokenizerSource.Load(dir); // ids compact, consistent
        if (byCorpus) Assert.True(TrainingFixture.CharsPerToken(tok, fx.RuHeldOut) > 0.7 * TrainingFixture.CharsPerToken(old, fx.RuHeldOut), "trimmed by frequency keeps most of the compression");
    }

    [SkippableFact]
    public void Trim_below_the_base_alphabet_is_an_error()
    {
        var e = Assert.Throws<Lep.Options.OptionException>(() => VocabularyOperations.Trim(ofx.Ours["llama3"], 100));
        Assert.StartsWith("--keep 100 is smaller than", e.Format(Lep.Cli.SchemaOptions.Wording));
        Assert.Contains("must stay", e.Message);
    }
}
