using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Lep.Adaptation.Propagation;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Tests.Oracles;
using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;
using static TorchSharp.torch;

namespace Lep.Tests.Adaptation;

public sealed class PropagationTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static PropagationResult Propagate(AdaptationFixtures.Trio t, string output, PropagationMode mode, string? corpus = null,
        PropagationCompat compat = PropagationCompat.None, bool saveProjections = false) =>
        Propagator.Run(new PropagationOptions
        {
            Base = t.Base, Instruct = t.Instruct, Donor = t.Donor, Output = output, Mode = mode, Corpus = corpus, BlockRows = 100,
            Compat = compat, SaveProjections = saveProjections,
        });

    private string Corpus()
    {
        string path = _tmp.File("corpus.txt");
        File.WriteAllText(path, "привет мир, в мире слово и кот\n\nthe world and the thing, hello world\n\nкотами и словами привет\n");
        return path;
    }

    /// <summary>Rows of the output that are not I's special tokens must be E_D·Q.</summary>
    private static void AssertRowsAreDonorTimesQ(string output, AdaptationFixtures.Trio t, string name, double[,] q, double tolerance)
    {
        using var scope = NewDisposeScope();
        Tensor got = AdaptationFixtures.ReadMatrix(output, name);
        Tensor ed = AdaptationFixtures.ReadMatrix(t.Donor, name);
        Tensor want = mm(ed, tensor(q));
        Tokenizer dt = Tokenizer.Load(t.Donor);
        var specials = dt.AddedTokens.Tokens.Select(x => (long)x.Id).ToArray();
        Tensor mask = ones(ed.shape[0], dtype: ScalarType.Bool);
        foreach (long s in specials) mask[s] = false;
        Tensor g = got.narrow(0, 0, ed.shape[0])[mask];
        Tensor w = want[mask];
        double rel = Numerics.RelativeError(g, w);
        Assert.True(rel <= tolerance, $"{name}: output vs E_D·Q relative error {rel:E2}");
    }

    [Theory]
    [InlineData(PropagationMode.Overlap, PropagationCompat.None)]
    [InlineData(PropagationMode.Conversion, PropagationCompat.None)]
    [InlineData(PropagationMode.Sum, PropagationCompat.None)]
    [InlineData(PropagationMode.Cooccurrence, PropagationCompat.None)]
    [InlineData(PropagationMode.Bypass, PropagationCompat.None)]
    [InlineData(PropagationMode.Overlap, PropagationCompat.Ruadapt)]
    [InlineData(PropagationMode.Conversion, PropagationCompat.Ruadapt)]
    [InlineData(PropagationMode.Sum, PropagationCompat.Ruadapt)]
    [InlineData(PropagationMode.Cooccurrence, PropagationCompat.Ruadapt)]
    [InlineData(PropagationMode.Bypass, PropagationCompat.Ruadapt)]
    public void ExactMapIsRecoveredAndAppliedToDonorRows(PropagationMode mode, PropagationCompat compat)
    {
        // E_I = E_B·Q with Q a signed permutation times powers of two: exact in bf16 (and rounding commutes with it, so
        // the reference's bf16 means keep it exact too), so the output must be E_D·Q exactly.
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "perm");
        string output = _tmp.File("out");
        PropagationResult r = Propagate(t, output, mode, mode == PropagationMode.Cooccurrence ? Corpus() : null, compat);
        Assert.Equal(2, r.Matrices.Count);
        foreach (MatrixReport m in r.Matrices)
        {
            Assert.True(m.RelativeResidual <= 1e-6, $"{m.Tensor}: residual {m.RelativeResidual:E2}");
            Assert.Equal(0, m.Ridge);
        }
        AssertRowsAreDonorTimesQ(output, t, "model.embed_tokens.weight", t.EmbedQ!, 1e-6);
        AssertRowsAreDonorTimesQ(output, t, "lm_head.weight", t.HeadQ!, 1e-6);
    }

    [Theory]
    [InlineData(PropagationMode.Overlap)]
    [InlineData(PropagationMode.Conversion)]
    public void DenseMapIsRecoveredInFloat32Storage(PropagationMode mode)
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "dense");
        string output = _tmp.File("out");
        PropagationResult r = Propagate(t, output, mode);
        Assert.All(r.Matrices, m => Assert.True(m.RelativeResidual <= 1e-6, $"{m.Tensor}: residual {m.RelativeResidual:E2}"));
        AssertRowsAreDonorTimesQ(output, t, "model.embed_tokens.weight", t.EmbedQ!, 1e-5);
        AssertRowsAreDonorTimesQ(output, t, "lm_head.weight", t.HeadQ!, 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BypassFitsTheWholeOldVocabularyAndGivesPBack(bool tied)
    {
        // instruct = base·Q for a dense Q in float32: bypass fits every id of V₀ (the donor's tokenizer is not read) and
        // must return Q itself; a donor row then maps to donor·Q.
        var t = AdaptationFixtures.Create(_tmp.File("trio"), tied: tied, storage: DType.F32, q: "dense");
        string output = _tmp.File("out");
        PropagationResult r = Propagate(t, output, PropagationMode.Bypass, saveProjections: true);
        int v0 = Tokenizer.Load(t.Base).VocabSize;
        Assert.Equal(tied ? 1 : 2, r.Matrices.Count);
        foreach (MatrixReport m in r.Matrices)
        {
            Assert.Equal(v0, m.FitRows);
            Assert.True(m.RelativeResidual <= 1e-6, $"{m.Tensor}: residual {m.RelativeResidual:E2}");
        }
        using var scope = NewDisposeScope();
        Tensor p = from_array(MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(output, "projection-embed_tokens.f64"))).ToArray()).reshape(32, 32);
        Assert.True(Numerics.RelativeError(p, tensor(t.EmbedQ!)) <= 1e-6, $"P vs Q: {Numerics.RelativeError(p, tensor(t.EmbedQ!)):E2}");
        AssertRowsAreDonorTimesQ(output, t, "model.embed_tokens.weight", t.EmbedQ!, 1e-5);
        if (!tied) AssertRowsAreDonorTimesQ(output, t, "lm_head.weight", t.HeadQ!, 1e-5);
    }

    [Fact]
    public void RuadaptRoundsPToTheModelDtypeBeforeTheProduct()
    {
        // bf16 models and a dense Q: the reference casts P to bf16 and multiplies in bf16, so the output is
        // bf16(E_D · bf16(P)), not bf16(E_D · P).
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "dense");
        string output = _tmp.File("out");
        Propagate(t, output, PropagationMode.Conversion, compat: PropagationCompat.Ruadapt, saveProjections: true);
        using var scope = NewDisposeScope();
        Tensor p = from_array(MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(output, "projection-embed_tokens.f64"))).ToArray()).reshape(32, 32);
        Tensor ed = AdaptationFixtures.ReadMatrix(t.Donor, "model.embed_tokens.weight").to_type(ScalarType.Float32);
        long rows = ed.shape[0];
        Tensor got = AdaptationFixtures.ReadMatrix(output, "model.embed_tokens.weight").narrow(0, 0, rows).to_type(ScalarType.Float32);
        Tensor rounded = mm(ed, p.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32)).to_type(ScalarType.BFloat16).to_type(ScalarType.Float32);
        Tensor unrounded = mm(ed, p.to_type(ScalarType.Float32)).to_type(ScalarType.BFloat16).to_type(ScalarType.Float32);
        Tensor specials = zeros(rows, dtype: ScalarType.Bool);
        foreach (var (id, _) in Tokenizer.Load(t.Donor).AddedTokens.Tokens) specials[id] = true;
        Tensor ordinary = specials.logical_not().unsqueeze(1).expand(rows, 32);
        long differ(Tensor a, Tensor b) => (a.ne(b) & ordinary).sum().item<long>();
        long total = ordinary.sum().item<long>();
        Assert.True(differ(rounded, unrounded) > total / 20, "the fixture must tell the two apart");
        Assert.True(differ(got, rounded) <= total / 1000, $"{differ(got, rounded)} of {total} entries differ from bf16(E_D·bf16(P))");
    }

    [Theory]
    [InlineData(PropagationCompat.None)]
    [InlineData(PropagationCompat.Ruadapt)]
    public void ADonorOnlyAddedTokenTakesTheInstructRowOfItsSingleTokenOnlyUnderRuadapt(PropagationCompat compat)
    {
        // the donor's added token at the eos slot now reads " hello": the instruct tokenizer encodes that text to its
        // one token Ġhello, so the reference gives the row I's row of Ġhello; ours keeps E_D·P (I lacks the token).
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "dense");
        string tokPath = Path.Combine(t.Donor, "tokenizer.json");
        var json = JsonFile.ReadObject(tokPath);
        var slot = ((JsonArray)json["added_tokens"]!).Select(n => (JsonObject)n!).Single(n => (string?)n["content"] == "<|end_of_text|>");
        slot["content"] = " hello";
        var vocab = (JsonObject)json["model"]!["vocab"]!;
        vocab[" hello"] = vocab["<|end_of_text|>"]!.GetValue<int>();
        vocab.Remove("<|end_of_text|>");
        JsonFile.Write(tokPath, json);
        int id = (int)slot["id"]!;
        string output = _tmp.File("out");
        Propagate(t, output, PropagationMode.Conversion, compat: compat);

        using var scope = NewDisposeScope();
        int hello = Tokenizer.Load(t.Instruct).TokenToId(Gguf.TinyTokenizers.ByteLevelEncode(" hello"))!.Value;
        Tensor got = AdaptationFixtures.ReadMatrix(output, "model.embed_tokens.weight")[id];
        Tensor instructRow = AdaptationFixtures.ReadMatrix(t.Instruct, "model.embed_tokens.weight")[hello];
        Tensor projected = mm(AdaptationFixtures.ReadMatrix(t.Donor, "model.embed_tokens.weight")[id].unsqueeze(0), tensor(t.EmbedQ!)).squeeze(0);
        Tensor want = compat == PropagationCompat.Ruadapt ? instructRow : projected;
        Assert.True(Numerics.RelativeError(got, want) <= 1e-5, $"row {id}: {Numerics.RelativeError(got, want):E2} from the expected row");
        Assert.True(Numerics.RelativeError(instructRow, projected) > 0.1, "the fixture must tell the two apart");
    }

    [Fact]
    public void SwapCopiesDonorRows()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "none");
        string output = _tmp.File("out");
        Propagate(t, output, PropagationMode.Swap);
        Tokenizer dt = Tokenizer.Load(t.Donor);
        int dim = 32, item = 2;
        foreach (string name in new[] { "model.embed_tokens.weight", "lm_head.weight" })
        {
            byte[] got = AdaptationFixtures.ReadBytes(output, name), donor = AdaptationFixtures.ReadBytes(t.Donor, name);
            for (int id = 0; id < dt.VocabSize; id++)
            {
                if (dt.AddedTokens.ById(id) is not null) continue;
                Assert.True(got.AsSpan(id * dim * item, dim * item).SequenceEqual(donor.AsSpan(id * dim * item, dim * item)), $"{name} row {id}");
            }
        }
    }

    [Fact]
    public void AnInstructSpecialTokenTheOutputVocabularyLacksIsDroppedAndTheOutputExports()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"));
        Tokenizer it = Tokenizer.Load(t.Instruct), dt = Tokenizer.Load(t.Donor);
        // A pad token from I's own vocabulary (not an added token, so nothing appends it) that D's lacks.
        string lacking = it.Model.GetVocab().Where(kv => dt.TokenToId(kv.Key) is null).OrderBy(kv => kv.Value).First().Key;
        string cfgPath = Path.Combine(t.Instruct, "tokenizer_config.json");
        JsonObject cfg = JsonFile.ReadObject(cfgPath);
        cfg["pad_token"] = lacking;
        JsonFile.Write(cfgPath, cfg);

        string output = _tmp.File("out");
        PropagationResult r = Propagate(t, output, PropagationMode.Conversion);
        Assert.Contains($"pad_token '{lacking}' (named in {cfgPath}) is not in the output vocabulary; dropped", r.Warnings);
        var written = JsonFile.ReadObject(Path.Combine(output, "tokenizer_config.json"));
        Assert.False(written.ContainsKey("pad_token"));
        Assert.Equal("<|begin_of_text|>", written.GetString("bos_token")); // the output has this one: kept
        Assert.True(GgufExporter.Export(output, _tmp.File("out.gguf")).TensorCount > 0);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, 20_000L)]
    public void OutputIsInstructWithNewVocabulary(bool tied, long? shardBytes)
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), tied: tied, storage: DType.BF16, q: "dense", instructShardBytes: shardBytes);
        string output = _tmp.File("out");
        PropagationResult r = Propagate(t, output, PropagationMode.Conversion);
        Tokenizer it = Tokenizer.Load(t.Instruct), dt = Tokenizer.Load(t.Donor), ot = Tokenizer.Load(output);

        // every non-embedding tensor byte-identical to I's
        var inst = AdaptationFixtures.AllTensors(t.Instruct);
        var outT = AdaptationFixtures.AllTensors(output);
        foreach (var (name, bytes) in inst)
        {
            if (name is "model.embed_tokens.weight" or "lm_head.weight") continue;
            Assert.True(outT.TryGetValue(name, out var o) && o.AsSpan().SequenceEqual(bytes), $"tensor {name} differs from the instruct model's");
        }
        Assert.Equal(tied ? inst.Count - 0 : inst.Count, outT.Count);
        Assert.Equal(tied, !outT.ContainsKey("lm_head.weight"));
        Assert.Equal(shardBytes is not null, File.Exists(Path.Combine(output, CheckpointReader.IndexFile)));

        // vocabulary: D's tokens + I's chat token it lacks, rows = tokenizer size = vocab_size
        var cfg = ModelConfig.Load(Path.Combine(output, "config.json"));
        Assert.Equal(dt.VocabSize + 1, r.Rows);
        Assert.Equal(r.Rows, cfg.VocabSize);
        Assert.Equal(r.Rows, ot.VocabSize);
        Assert.Equal(dt.VocabSize, ot.TokenToId("<|eot_id|>"));
        Assert.Equal(ot.TokenToId("<|begin_of_text|>"), cfg.BosTokenId);
        Assert.Equal([ot.TokenToId("<|end_of_text|>")!.Value], cfg.EosTokenIds);
        var gen = JsonFile.ReadObject(Path.Combine(output, "generation_config.json"));
        Assert.Equal(new[] { ot.TokenToId("<|end_of_text|>")!.Value, ot.TokenToId("<|eot_id|>")!.Value }, gen.GetIntOrList("eos_token_id"));
        var tcfg = JsonFile.ReadObject(Path.Combine(output, "tokenizer_config.json"));
        Assert.Equal(JsonFile.ReadObject(Path.Combine(t.Instruct, "tokenizer_config.json")).GetString("chat_template"), tcfg.GetString("chat_template"));

        // I's special rows (by content) equal I's rows byte for byte
        foreach (string name in tied ? new[] { "model.embed_tokens.weight" } : ["model.embed_tokens.weight", "lm_head.weight"])
        {
            byte[] o = outT[name], i = inst[name];
            int row = 32 * 2;
            foreach (var (iid, tok) in it.AddedTokens.Tokens)
            {
                int oid = ot.TokenToId(tok.Content)!.Value;
                Assert.True(o.AsSpan(oid * row, row).SequenceEqual(i.AsSpan(iid * row, row)), $"{name}: row of {tok.Content}");
            }
        }

        // the HF tokenizers oracle loads the output tokenizer and agrees with ours
        using var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: Path.Combine(output, "tokenizer.json"));
        foreach (string text in new[] { "привет мир<|eot_id|>", "the world and котами", "<|begin_of_text|>слово" })
            Assert.Equal(ot.Encode(text, addSpecialTokens: true), oracle.Encode(text).Select(x => (int)x).ToArray());
        Assert.True(File.Exists(Path.Combine(output, "propagation.json")));
    }

    [Fact]
    public void AlignmentMapsBytesSpecialsAndComposedTokens()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), q: "none");
        Tokenizer old = Tokenizer.Load(t.Base), @new = Tokenizer.Load(t.NewTokenizer);
        var a = VocabularyAlignment.Build(old, @new, TokenizerFiles.ReadRoles(t.Base), TokenizerFiles.ReadRoles(t.NewTokenizer));
        // all 256 byte tokens exist in both: copied by bytes
        for (int id = 0; id < 256; id++) Assert.Equal(AlignmentKind.Copied, a.Tokens[id].Kind);
        int mire = @new.TokenToId(TinyTokenizersEncode(" мире"))!.Value;
        Assert.Equal(AlignmentKind.Composed, a.Tokens[mire].Kind);
        Assert.Equal(old.Encode(" мире", addSpecialTokens: false), a.Tokens[mire].OldIds);
        int world = @new.TokenToId(TinyTokenizersEncode(" world"))!.Value;
        Assert.Equal(AlignmentKind.Copied, a.Tokens[world].Kind);
        Assert.Equal(old.TokenToId(TinyTokenizersEncode(" world")), a.Tokens[world].OldIds[0]);
        int bos = @new.TokenToId("<|begin_of_text|>")!.Value;
        Assert.Equal(AlignmentKind.Special, a.Tokens[bos].Kind);
        Assert.Equal(old.TokenToId("<|begin_of_text|>"), a.Tokens[bos].OldIds[0]);
        // whitespace pieces weigh 0.1 when a token splits
        var ws = new TokenAlignment(0, "x", "x", AlignmentKind.Composed, [1, 2, 3], [true, false, false], false);
        Assert.Equal(new[] { 0.1 / 2.1, 1 / 2.1, 1 / 2.1 }, ws.MeanWeights(), (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.Equal(new[] { 1.0 }, new TokenAlignment(0, "x", " ", AlignmentKind.Copied, [5], [true], false).MeanWeights());
    }

    private static string TinyTokenizersEncode(string s) => Gguf.TinyTokenizers.ByteLevelEncode(s);
}

[Collection("llama.cpp")]
public sealed class PropagationGgufTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void PropagatedModelExportsToGgufThatLlamaCppRuns()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "dense");
        string output = _tmp.File("out");
        Propagator.Run(new PropagationOptions { Base = t.Base, Instruct = t.Instruct, Donor = t.Donor, Output = output, Mode = PropagationMode.Overlap });
        string gguf = _tmp.File("m.gguf");
        GgufExporter.Export(output, gguf, new GgufExportOptions { MatrixType = GgmlType.F32 });
        using var llama = new LlamaCpp(gguf, contextSize: 32);
        Tokenizer ot = Tokenizer.Load(output);
        Assert.Equal(ot.VocabSize, llama.VocabSize);
        int[] tokens = ot.Encode("<|begin_of_text|>привет мир<|eot_id|>", addSpecialTokens: false);
        Assert.Equal(tokens, llama.Tokenize("<|begin_of_text|>привет мир<|eot_id|>", parseSpecial: true));
        float[][] logits = llama.Logits(tokens);
        Assert.All(logits, row => Assert.All(row, x => Assert.True(float.IsFinite(x))));
    }
}
