using System.Text.Json.Nodes;
using Lep.Adaptation.EmbeddingInit;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;
using static TorchSharp.torch;

namespace Lep.Tests.Adaptation;

public sealed class InitTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private (AdaptationFixtures.Trio Trio, string Output, InitResult Result) Init(InitMethod method, HeadInit head = HeadInit.Own, bool tied = false)
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), tied: tied, storage: DType.F32, q: "none");
        string output = _tmp.File("donor-" + method);
        var r = EmbeddingInitializer.Run(new InitOptions { Base = t.Base, Tokenizer = t.NewTokenizer, Output = output, Method = method, Head = head, Seed = 3 });
        return (t, output, r);
    }

    private static List<JsonObject> Log(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "init_log.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void MeanInitCopiesKnownRowsAndAveragesSubTokens()
    {
        var (t, output, r) = Init(InitMethod.Mean);
        Tokenizer newTok = Tokenizer.Load(t.NewTokenizer), old = Tokenizer.Load(t.Base);
        Assert.Equal(newTok.VocabSize, r.Rows);
        Assert.Equal(r.Rows, ModelConfig.Load(Path.Combine(output, "config.json")).VocabSize);
        Assert.Equal(newTok.TokenToId("<|begin_of_text|>"), ModelConfig.Load(Path.Combine(output, "config.json")).BosTokenId);
        Assert.Equal([newTok.TokenToId("<|end_of_text|>")!.Value], ModelConfig.Load(Path.Combine(output, "config.json")).EosTokenIds);
        Assert.Equal(File.ReadAllText(Path.Combine(t.NewTokenizer, "tokenizer.json")), File.ReadAllText(Path.Combine(output, "tokenizer.json")));
        var log = Log(output);
        Assert.Equal(r.Rows, log.Count);

        using var scope = NewDisposeScope();
        foreach (string name in new[] { "model.embed_tokens.weight", "lm_head.weight" })
        {
            Tensor eb = AdaptationFixtures.ReadMatrix(t.Base, name), ed = AdaptationFixtures.ReadMatrix(output, name);
            foreach (JsonObject line in log)
            {
                int id = (int)line["id"]!;
                int[] olds = ((JsonArray)line["old_ids"]!).Select(x => (int)x!).ToArray();
                string method = (string)line["method"]!;
                if (method is "copy" or "special")
                    Assert.True(Numerics.MaxAbsDiff(ed[id], eb[olds[0]]) == 0, $"{name} row {id} ({line["token"]}) should be a copy of old row {olds[0]}");
                else if (method == "mean")
                {
                    double[] w = ((JsonArray)line["weights"]!).Select(x => (double)x!).ToArray();
                    Tensor want = zeros_like(ed[id]);
                    for (int k = 0; k < olds.Length; k++) want += w[k] * eb[olds[k]];
                    Assert.True(Numerics.MaxAbsDiff(ed[id], want) <= 1e-5, $"{name} row {id}: mean of {string.Join(",", olds)}");
                }
            }
            // hand-computed: " мире" is the mean of the old pieces of " мире"
            int mire = newTok.TokenToId(Gguf.TinyTokenizers.ByteLevelEncode(" мире"))!.Value;
            int[] pieces = old.Encode(" мире", addSpecialTokens: false);
            Assert.True(pieces.Length > 1);
            Tensor mean = stack(pieces.Select(p => eb[p]).ToArray()).mean([0]);
            Assert.True(Numerics.MaxAbsDiff(ed[mire], mean) <= 1e-6);
        }
        // every other tensor copied byte for byte
        var b = AdaptationFixtures.AllTensors(t.Base);
        foreach (var (name, bytes) in AdaptationFixtures.AllTensors(output))
            if (name is not ("model.embed_tokens.weight" or "lm_head.weight")) Assert.Equal(b[name], bytes);
    }

    [Theory]
    [InlineData(InitMethod.WMean)]
    [InlineData(InitMethod.Random)]
    [InlineData(InitMethod.MeanCov)]
    [InlineData(InitMethod.Omp)]
    public void OtherMethodsGiveFiniteRowsAndKeepCopies(InitMethod method)
    {
        var (t, output, r) = Init(method);
        using var scope = NewDisposeScope();
        Tensor ed = AdaptationFixtures.ReadMatrix(output, "model.embed_tokens.weight");
        Tensor eb = AdaptationFixtures.ReadMatrix(t.Base, "model.embed_tokens.weight");
        Assert.True(isfinite(ed).all().item<bool>());
        Assert.True(Numerics.MaxAbsDiff(ed[65], eb[65]) == 0, "byte token 'A' is copied");
        string expected = method.ToString().ToLowerInvariant();
        Assert.Contains(Log(output), l => (string)l["method"]! == expected);
        if (method == InitMethod.Random)
        {
            // seeded: a second run gives the same bytes
            string again = _tmp.File("again");
            EmbeddingInitializer.Run(new InitOptions { Base = t.Base, Tokenizer = t.NewTokenizer, Output = again, Method = method, Seed = 3 });
            Assert.Equal(AdaptationFixtures.ReadBytes(output, "model.embed_tokens.weight"), AdaptationFixtures.ReadBytes(again, "model.embed_tokens.weight"));
        }
    }

    [Fact]
    public void TieHeadReusesEmbeddingVectorsForNewTokens()
    {
        var (t, output, _) = Init(InitMethod.Mean, HeadInit.Tie);
        using var scope = NewDisposeScope();
        Tensor e = AdaptationFixtures.ReadMatrix(output, "model.embed_tokens.weight"), h = AdaptationFixtures.ReadMatrix(output, "lm_head.weight");
        Tensor hb = AdaptationFixtures.ReadMatrix(t.Base, "lm_head.weight");
        foreach (JsonObject line in Log(output))
        {
            int id = (int)line["id"]!;
            string m = (string)line["method"]!;
            if (m == "mean") Assert.True(Numerics.MaxAbsDiff(h[id], e[id]) == 0, $"row {id}");
            if (m == "copy") Assert.True(Numerics.MaxAbsDiff(h[id], hb[(int)line["old_ids"]![0]!]) == 0, $"row {id} copies the old head row");
        }
    }

    [Fact]
    public void TiedBaseGetsOnlyTheSharedMatrix()
    {
        var (_, output, _) = Init(InitMethod.Mean, tied: true);
        using var r = CheckpointReader.Open(output);
        Assert.False(r.Contains("lm_head.weight"));
        Assert.True(r.Contains("model.embed_tokens.weight"));
    }
}

/// <summary>The CLI: success lines, and bad inputs → one error line, exit 2, nothing written.</summary>
public sealed class AdaptationCliTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void InitThenPropagateThroughTheCli()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "dense");
        string donor = _tmp.File("d2");
        var init = LepProcess.Run("init", "--base", t.Base, "--tokenizer", t.NewTokenizer, "--out", donor, "--method", "wmean");
        Assert.True(init.ExitCode == 0, init.StdErr);
        Assert.Contains("init_log.jsonl", init.StdOut);
        string output = _tmp.File("out");
        var prop = LepProcess.Run("propagate", "--base", t.Base, "--instruct", t.Instruct, "--donor", donor, "--out", output, "--mode", "conversion");
        Assert.True(prop.ExitCode == 0, prop.StdErr);
        Assert.Contains("relative residual", prop.StdOut);
        var report = JsonFile.ReadObject(Path.Combine(output, "propagation.json"));
        Assert.Equal("conversion", report.GetString("mode"));
        Assert.True(((JsonArray)report["matrices"]!)[0]!["relative_residual"]!.GetValue<double>() < 1e-2);
    }

    [Theory]
    [InlineData("hidden")]
    [InlineData("vocab")]
    [InlineData("corpus")]
    [InlineData("same-out")]
    [InlineData("rows")]
    public void BadPropagateInputsExitTwoAndWriteNothing(string problem)
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        string output = _tmp.File("out");
        string instruct = t.Instruct, donor = t.Donor;
        var extra = new List<string>();
        switch (problem)
        {
            case "hidden":
                var other = AdaptationFixtures.Create(_tmp.File("other"), storage: DType.F32, q: "none", hidden: 48);
                donor = other.Donor;
                break;
            case "vocab":
                instruct = t.Donor;
                break;
            case "corpus":
                extra.AddRange(["--mode", "cooccurrence"]);
                break;
            case "same-out":
                output = t.Instruct;
                break;
            case "rows":
                File.WriteAllText(Path.Combine(donor, "tokenizer.json"), File.ReadAllText(Path.Combine(t.Base, "tokenizer.json")));
                break;
        }
        var r = LepProcess.Run(["propagate", "--base", t.Base, "--instruct", instruct, "--donor", donor, "--out", output, .. extra]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: ", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        if (problem != "same-out") Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetDirectories(_tmp.Path, ".out.staging-*"));
    }

    [Fact]
    public void BadInitInputsExitTwoAndWriteNothing()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        string output = _tmp.File("d");
        var missing = LepProcess.Run("init", "--base", t.Base, "--tokenizer", _tmp.File("nope"), "--out", output);
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("error: ", missing.StdErr);
        var method = LepProcess.Run("init", "--base", t.Base, "--tokenizer", t.NewTokenizer, "--out", output, "--method", "magic");
        Assert.Equal(2, method.ExitCode);
        var noBase = LepProcess.Run("init", "--base", _tmp.File("nobase"), "--tokenizer", t.NewTokenizer, "--out", output);
        Assert.Equal(2, noBase.ExitCode);
        Assert.False(Directory.Exists(output));
    }
}

public sealed class SpecialTokenInitTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static JsonObject WithExtraSpecials(params string[] contents)
    {
        JsonObject tok = AdaptationFixtures.NewByteLevel();
        var added = (JsonArray)tok["added_tokens"]!;
        int next = Gguf.TinyTokenizers.Size(tok);
        foreach (string c in contents)
            added.Add(new JsonObject { ["id"] = next++, ["content"] = c, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        return tok;
    }

    [Fact]
    public void SpecialTokensMapByRoleAndUnmappableRowsGetTheMeanRow()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        string tokDir = _tmp.File("tok");
        Directory.CreateDirectory(tokDir);
        File.WriteAllText(Path.Combine(tokDir, "tokenizer.json"), WithExtraSpecials("<pad>", "<mask>").ToJsonString());
        var cfg = AdaptationFixtures.NewTokenizerConfig();
        cfg["pad_token"] = "<pad>";
        File.WriteAllText(Path.Combine(tokDir, "tokenizer_config.json"), cfg.ToJsonString());

        Tokenizer old = Tokenizer.Load(t.Base), @new = Tokenizer.Load(tokDir);
        var a = VocabularyAlignment.Build(old, @new, new Dictionary<string, string> { ["pad_token"] = "<|eot_id|>" }, TokenizerFiles.ReadRoles(tokDir));
        int pad = @new.TokenToId("<pad>")!.Value, mask = @new.TokenToId("<mask>")!.Value;
        Assert.Equal(AlignmentKind.Special, a.Tokens[pad].Kind);
        Assert.Equal(old.TokenToId("<|eot_id|>"), a.Tokens[pad].OldIds[0]);
        Assert.Equal(AlignmentKind.Unmapped, a.Tokens[mask].Kind);

        string output = _tmp.File("donor");
        EmbeddingInitializer.Run(new InitOptions { Base = t.Base, Tokenizer = tokDir, Output = output });
        using var scope = NewDisposeScope();
        Tensor eb = AdaptationFixtures.ReadMatrix(t.Base, "model.embed_tokens.weight"), ed = AdaptationFixtures.ReadMatrix(output, "model.embed_tokens.weight");
        Assert.True(Numerics.MaxAbsDiff(ed[mask], eb.mean([0])) <= 1e-6, "unmapped → mean row");
        Assert.Equal(pad, ModelConfig.Load(Path.Combine(output, "config.json")).PadTokenId);
        var line = File.ReadLines(Path.Combine(output, "init_log.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).Single(l => (int)l["id"]! == mask);
        Assert.Equal("mean-row", (string)line["method"]!);
    }
}
