using System.Text.Json.Nodes;
using Lep.Adaptation.EmbeddingInit;
using Lep.Adaptation.Propagation;
using Lep.Data;
using Lep.Formats;
using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;
using Lep.Training;

namespace Lep.Tests.Adaptation;

/// <summary>The one alignment: written as alignment.json by the tokenizer jobs, and the same alignment that init,
/// train --new-rows-only and propagate compute — read from the file when it was made from the same inputs.</summary>
public sealed class AlignmentFileTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private string Corpus()
    {
        string path = _tmp.File("corpus.txt");
        File.WriteAllText(path, string.Join("\n\n", DocumentReader.Read(TestData.Corpus("ru_heldout.txt")).Take(150)) + "\n");
        return path;
    }

    private (AdaptationFixtures.Trio Trio, string Tokenizer) Vocabulary(string op)
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        string output = _tmp.File("tok-" + op);
        TokenizerJobResult r = op switch
        {
            "extend" => TokenizerJobs.Extend(t.Base, Corpus(), new ExtendOptions { Add = 40 }, output),
            "unigram" => TokenizerJobs.Train(Corpus(), new TokenizerTrainSpec { Type = TokenizerType.Unigram, VocabSize = 600, Source = t.Base }, output),
            "bpe" => TokenizerJobs.Train(Corpus(), new TokenizerTrainSpec { Type = TokenizerType.Bpe, VocabSize = 400, Source = t.Base }, output),
            _ => TokenizerJobs.Trim(t.Base, 262, output),
        };
        Assert.Equal(r.Output, Path.GetFullPath(output));
        return (t, output);
    }

    private static void AssertSame(VocabularyAlignment want, VocabularyAlignment got)
    {
        Assert.Equal(want.OldVocabSize, got.OldVocabSize);
        Assert.Equal(want.Tokens.Count, got.Tokens.Count);
        for (int id = 0; id < want.Tokens.Count; id++)
        {
            TokenAlignment a = want.Tokens[id], b = got.Tokens[id];
            Assert.True(a.NewId == b.NewId && a.Token == b.Token && a.Text == b.Text && a.Kind == b.Kind && a.IsAdded == b.IsAdded
                && a.OldIds.SequenceEqual(b.OldIds) && a.Whitespace.SequenceEqual(b.Whitespace), $"token {id}: {a} vs {b}");
        }
    }

    [Theory]
    [InlineData("extend")]
    [InlineData("unigram")]
    [InlineData("bpe")]
    [InlineData("trim")]
    public void TheJobWritesTheAlignmentInitAndPropagateCompute(string op)
    {
        var (t, tok) = Vocabulary(op);
        Tokenizer old = Tokenizer.Load(t.Base), @new = Tokenizer.Load(tok);
        VocabularyAlignment written = VocabularyAlignment.Load(tok);
        Assert.NotNull(written.Inputs);
        Assert.Equal(op is "unigram" or "bpe" ? "replace" : op, written.Operation);
        // computed from scratch from the two dirs, as init and propagate do when there is no file
        AssertSame(VocabularyAlignment.Build(old, @new, TokenizerFiles.ReadRoles(t.Base), TokenizerFiles.ReadRoles(tok)), written);
        Assert.True(written.Inputs!.SameAs(AlignmentInputs.Of(t.Base, tok)));

        // init writes the same alignment into the donor (train --new-rows-only and propagate read it there), and its log
        // says the same for every token
        string donor = _tmp.File("donor-" + op);
        EmbeddingInitializer.Run(new InitOptions { Base = t.Base, Tokenizer = tok, Output = donor });
        Assert.Equal(File.ReadAllBytes(Path.Combine(tok, VocabularyAlignment.FileName)), File.ReadAllBytes(Path.Combine(donor, VocabularyAlignment.FileName)));
        var log = File.ReadAllLines(Path.Combine(donor, "init_log.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(written.Tokens.Select(x => x.Kind.ToString().ToLowerInvariant()), log.Select(l => (string)l["kind"]!));
        Assert.Equal(log.Where(l => (string)l["kind"]! != "copied").Select(l => (int)l["id"]!), NewRows.Of(donor));
        if (op == "extend") Assert.Equal(old.VocabSize, NewRows.FirstAddedId(tok));
    }

    /// <summary>The file is really what init and propagate use (an edited mapping shows in init's log and changes
    /// propagation's fit), and only when it was made from the same tokenizer files and roles.</summary>
    [Fact]
    public void InitAndPropagateReadTheFileOnlyForTheSameInputs()
    {
        var (t, tok) = Vocabulary("extend");
        string file = Path.Combine(tok, VocabularyAlignment.FileName);
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var tokens = (JsonArray)json["tokens"]!;
        int edited = tokens.Select(x => x!.AsObject()).First(x => (string)x["kind"]! == "composed" && x["whitespace"] is null)["id"]!.GetValue<int>();
        tokens[edited]!["old_ids"] = new JsonArray(7, 8);
        File.WriteAllText(file, json.ToJsonString());

        string donor = _tmp.File("donor-edited");
        EmbeddingInitializer.Run(new InitOptions { Base = t.Base, Tokenizer = tok, Output = donor });
        JsonObject OldIdsOf(string dir) => File.ReadLines(Path.Combine(dir, "init_log.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).First(l => (int)l["id"]! == edited);
        Assert.Equal("[7,8]", OldIdsOf(donor)["old_ids"]!.ToJsonString());

        // the same edit recorded for other roles (or another tokenizer) is not used: init computes the alignment
        json["new_roles"]!["bos_token"] = "<|end_of_text|>";
        File.WriteAllText(file, json.ToJsonString());
        string recomputed = _tmp.File("donor-recomputed");
        EmbeddingInitializer.Run(new InitOptions { Base = t.Base, Tokenizer = tok, Output = recomputed });
        Assert.NotEqual("[7,8]", OldIdsOf(recomputed)["old_ids"]!.ToJsonString());

        // propagation reads the donor's copy: the edited mapping gives another fit than the computed one
        string Propagate(string d, string name) => Propagator.Run(new PropagationOptions
        {
            Base = t.Base, Instruct = t.Instruct, Donor = d, Output = _tmp.File(name), Mode = PropagationMode.Conversion,
        }).Matrices[0].RelativeResidual!.Value.ToString("R");
        Assert.NotEqual(Propagate(donor, "p-edited"), Propagate(recomputed, "p-recomputed"));
    }

    /// <summary>An alignment.json written before alignments recorded their inputs still gives the old vocabulary size
    /// (pipelines' "new-rows-from": "@STAGE"), but its tokens are never used: init computes the alignment.</summary>
    [Fact]
    public void AnOlderAlignmentFileIsReadForItsSizeOnly()
    {
        var (t, tok) = Vocabulary("extend");
        VocabularyAlignment current = VocabularyAlignment.Load(tok);
        File.WriteAllText(Path.Combine(tok, VocabularyAlignment.FileName), $$"""
            {"operation": "extend", "old_vocab_size": {{current.OldVocabSize}}, "new_vocab_size": {{current.Tokens.Count}},
             "tokens": [{"id": 0, "token": "x", "text": "x", "old_id": null, "old_ids": [7, 8]}]}
            """);
        VocabularyAlignment older = VocabularyAlignment.Load(tok);
        Assert.Null(older.Inputs);
        Assert.Equal(current.OldVocabSize, NewRows.FirstAddedId(tok));
        Tokenizer old = Tokenizer.Load(t.Base), @new = Tokenizer.Load(tok);
        AssertSame(current, VocabularyAlignment.Between(old, t.Base, @new, tok));
    }

    [Fact]
    public void NewRowsOfADonorWhoseTokenizerChangedAreRefused()
    {
        var (t, tok) = Vocabulary("extend");
        string donor = _tmp.File("donor");
        EmbeddingInitializer.Run(new InitOptions { Base = t.Base, Tokenizer = tok, Output = donor });
        File.AppendAllText(Path.Combine(donor, "tokenizer.json"), "\n");
        var e = Assert.Throws<LepInputException>(() => NewRows.Of(donor));
        Assert.Contains("another tokenizer", e.Message);
    }

    /// <summary>A replaced vocabulary of another spelling ('▁' Unigram over a byte-level source) shares every token of
    /// the same bytes: "shared" counts the rows init copies, not only the carried special tokens (it used to).</summary>
    [Fact]
    public void SharedTokensAreTheRowsInitCopies()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        string output = _tmp.File("uni");
        TokenizerJobResult r = TokenizerJobs.Train(Corpus(), new TokenizerTrainSpec { Type = TokenizerType.Unigram, VocabSize = 600, Source = t.Base }, output);
        VocabularyAlignment a = VocabularyAlignment.Load(output);
        Assert.Equal(a.Count(AlignmentKind.Copied) + a.Count(AlignmentKind.Special), r.SharedTokens);
        Assert.True(r.SharedTokens > r.CarriedAddedTokens + 50, $"{r.SharedTokens} shared, {r.CarriedAddedTokens} carried");
        Assert.Equal(r.VocabSize - r.SharedTokens, r.NewTokens);
    }
}
