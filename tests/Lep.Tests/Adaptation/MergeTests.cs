using System.Text.Json.Nodes;
using Lep.Adaptation.Merging;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Options;
using Lep.Tests.Gguf;
using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;
using static TorchSharp.torch;

namespace Lep.Tests.Adaptation;

public sealed class MergeTests : IDisposable
{
    private const string Embed = "model.embed_tokens.weight", Head = "lm_head.weight";
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static bool Same(Tensor got, Tensor want) => (got == want.to_type(ScalarType.Float32).to_type(ScalarType.Float64)).all().item<bool>();

    private static Tensor Row(Tensor m, long row) => m[row];

    [Fact]
    public void ChatVectorIsDonorPlusInstructMinusBaseExactly()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        string output = _tmp.File("out");
        ChatVectorResult r = ChatVector.Run(new ChatVectorOptions { Base = t.Base, Instruct = t.Instruct, Donor = t.Donor, Output = output, BlockRows = 7 });

        using var scope = NewDisposeScope();
        using var reader = CheckpointReader.Open(output);
        using var donor = CheckpointReader.Open(t.Donor);
        int merged = 0;
        foreach (string name in donor.Names.Where(n => n is not Embed and not Head))
        {
            Tensor want = AdaptationFixtures.ReadMatrix(t.Instruct, name) - AdaptationFixtures.ReadMatrix(t.Base, name) + AdaptationFixtures.ReadMatrix(t.Donor, name);
            Assert.True(Same(AdaptationFixtures.ReadMatrix(output, name), want), $"{name} is not D + (I − B)");
            Assert.False(Same(AdaptationFixtures.ReadMatrix(output, name), AdaptationFixtures.ReadMatrix(t.Donor, name)), $"{name}: the chat vector is zero, the test proves nothing");
            merged++;
        }
        Assert.Equal(merged, r.MergedTensors);
        Assert.Equal(0, r.DonorTensors);

        Tokenizer bt = Tokenizer.Load(t.Base), dt = Tokenizer.Load(t.Donor), it = Tokenizer.Load(t.Instruct), ot = Tokenizer.Load(output);
        var shared = VocabularyAlignment.Build(bt, dt, TokenizerFiles.ReadRoles(t.Base), TokenizerFiles.ReadRoles(t.Donor)).Shared.ToDictionary(p => p.NewId, p => p.OldId);
        Assert.True(shared.Count > 256, "the fixture's vocabularies share the byte tokens and more");
        Assert.Equal(shared.Count, r.SharedRows);
        int eot = ot.TokenToId("<|eot_id|>")!.Value;
        foreach (string name in new[] { Embed, Head })
        {
            Tensor o = AdaptationFixtures.ReadMatrix(output, name), d = AdaptationFixtures.ReadMatrix(t.Donor, name);
            Tensor i = AdaptationFixtures.ReadMatrix(t.Instruct, name), b = AdaptationFixtures.ReadMatrix(t.Base, name);
            Assert.Equal(ot.VocabSize, o.shape[0]);
            for (int id = 0; id < dt.VocabSize; id++)
            {
                if (dt.AddedTokens.ById(id) is AddedToken special)
                    Assert.True(Same(Row(o, id), Row(i, it.TokenToId(special.Content)!.Value)), $"{name}: special row {special.Content} is not I's");
                else if (shared.TryGetValue(id, out int old))
                    Assert.True(Same(Row(o, id), Row(i, old) - Row(b, old) + Row(d, id)), $"{name}: shared row {id} is not D + (I − B)");
                else
                    Assert.True(Same(Row(o, id), Row(d, id)), $"{name}: row {id} (not in the base vocabulary) is not D's");
            }
            Assert.Equal(dt.VocabSize, eot);
            Assert.True(Same(Row(o, eot), Row(i, it.TokenToId("<|eot_id|>")!.Value)), $"{name}: the appended chat token's row is not I's");
        }

        // the same config/tokenizer files as lep propagate writes: I's chat template, ids mapped by content
        var cfg = ModelConfig.Load(Path.Combine(output, "config.json"));
        Assert.Equal(ot.VocabSize, cfg.VocabSize);
        Assert.Equal(ot.TokenToId("<|begin_of_text|>"), cfg.BosTokenId);
        var gen = JsonFile.ReadObject(Path.Combine(output, "generation_config.json"));
        Assert.Equal(new[] { ot.TokenToId("<|end_of_text|>")!.Value, eot }, gen.GetIntOrList("eos_token_id"));
        Assert.Equal(JsonFile.ReadObject(Path.Combine(t.Instruct, "tokenizer_config.json")).GetString("chat_template"),
            JsonFile.ReadObject(Path.Combine(output, "tokenizer_config.json")).GetString("chat_template"));
        string card = File.ReadAllText(Path.Combine(output, "README.md"));
        Assert.Contains("lep merge chat-vector", card);
        Assert.Contains(FileHash.Sha256(Path.Combine(t.Donor, "model.safetensors")), card);
        Assert.Contains(FileHash.Sha256(Path.Combine(output, "model.safetensors")), card);
    }

    [Fact]
    public void SkipEmbedKeepsDonorRowsButSpecialRowsComeFromInstruct()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "none");
        string output = _tmp.File("out");
        ChatVectorResult r = ChatVector.Run(new ChatVectorOptions { Base = t.Base, Instruct = t.Instruct, Donor = t.Donor, Output = output, SkipEmbed = true });
        Assert.Equal(0, r.SharedRows);
        Tokenizer dt = Tokenizer.Load(t.Donor), it = Tokenizer.Load(t.Instruct);
        int row = 32 * 2;
        foreach (string name in new[] { Embed, Head })
        {
            byte[] o = AdaptationFixtures.ReadBytes(output, name), d = AdaptationFixtures.ReadBytes(t.Donor, name), i = AdaptationFixtures.ReadBytes(t.Instruct, name);
            for (int id = 0; id < dt.VocabSize; id++)
            {
                byte[] want = dt.AddedTokens.ById(id) is AddedToken s ? i[(it.TokenToId(s.Content)!.Value * row)..][..row] : d[(id * row)..][..row];
                Assert.True(o.AsSpan(id * row, row).SequenceEqual(want), $"{name}: row {id}");
            }
        }
        Assert.True(r.MergedTensors > 0);
    }

    [Theory]
    [InlineData(MergeMethod.Linear)]
    [InlineData(MergeMethod.Slerp)]
    public void WeightZeroAndOneGiveTheInputsBackByteForByte(MergeMethod method)
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "none");
        foreach (var (w, want) in new[] { (0.0, t.Instruct), (1.0, t.Base) })
        {
            string output = _tmp.File($"out-{w}");
            ModelMerge.Run(new MergeOptions { A = t.Instruct, B = t.Base, Weight = w, Method = method, Output = output, CopySpecialRows = false });
            var got = AdaptationFixtures.AllTensors(output);
            var expected = AdaptationFixtures.AllTensors(want);
            Assert.Equal(expected.Keys.Order(), got.Keys.Order());
            foreach (var (name, bytes) in expected)
                Assert.True(got[name].AsSpan().SequenceEqual(bytes), $"w = {w}: {name} differs from the input's");
            Assert.Equal(File.ReadAllText(Path.Combine(t.Instruct, "tokenizer.json")), File.ReadAllText(Path.Combine(output, "tokenizer.json")));
        }

        // by default B's special rows are copied even at w = 0; every other row is still A's, bit for bit
        string copied = _tmp.File("out-special");
        ModelMerge.Run(new MergeOptions { A = t.Instruct, B = t.Base, Weight = 0, Method = method, Output = copied });
        var specials = Tokenizer.Load(t.Base).AddedTokens.Tokens.Select(x => x.Id).ToHashSet();
        int row = 32 * 2;
        foreach (string name in new[] { Embed, Head })
        {
            byte[] o = AdaptationFixtures.ReadBytes(copied, name), a = AdaptationFixtures.ReadBytes(t.Instruct, name), b = AdaptationFixtures.ReadBytes(t.Base, name);
            for (int id = 0; id < o.Length / row; id++)
                Assert.True(o.AsSpan(id * row, row).SequenceEqual((specials.Contains(id) ? b : a).AsSpan(id * row, row)), $"{name}: row {id}");
        }
    }

    [Fact]
    public void LinearMergeAtOneHalfIsTheMean()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        string output = _tmp.File("out");
        MergeResult r = ModelMerge.Run(new MergeOptions { A = t.Instruct, B = t.Base, Weight = 0.5, Output = output });
        using var scope = NewDisposeScope();
        Tokenizer bt = Tokenizer.Load(t.Base);
        using var reader = CheckpointReader.Open(output);
        foreach (string name in reader.Names)
        {
            Tensor a = AdaptationFixtures.ReadMatrix(t.Instruct, name), b = AdaptationFixtures.ReadMatrix(t.Base, name);
            Tensor want = (a + b) / 2;
            if (name is Embed or Head)
                foreach (var (id, _) in bt.AddedTokens.Tokens) want[id] = b[id]; // B's special rows
            Assert.True(Same(AdaptationFixtures.ReadMatrix(output, name), want), $"{name} is not the mean");
        }
        Assert.Equal(3, r.SpecialRowsFromB);
        Assert.All(r.Tensors, m => Assert.Equal((0.5, 0.5), (m.CoefficientA, m.CoefficientB)));
    }

    [Fact]
    public void SlerpOfOrthogonalUnitVectorsAtOneHalfStaysOnTheCircle()
    {
        var (ca, cb, linear) = Slerp.Coefficients(dot: 0, normX2: 1, normY2: 1, t: 0.5);
        Assert.False(linear);
        Assert.Equal(Math.Sqrt(0.5), ca, 15);
        Assert.Equal(Math.Sqrt(0.5), cb, 15);
        Assert.True(Slerp.Coefficients(dot: 1, normX2: 1, normY2: 1, t: 0.3).Linear, "parallel tensors merge linearly");

        // a real merge: model.norm.weight is e₀ in A and e₁ in B
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        byte[] Unit(int k)
        {
            var v = new float[32];
            v[k] = 1;
            return v.SelectMany(BitConverter.GetBytes).ToArray();
        }
        AdaptationFixtures.RewriteWeights(t.Instruct, null, (name, _) => name == "model.norm.weight" ? Unit(0) : null);
        AdaptationFixtures.RewriteWeights(t.Base, null, (name, _) => name == "model.norm.weight" ? Unit(1) : null);
        string output = _tmp.File("out");
        MergeResult r = ModelMerge.Run(new MergeOptions { A = t.Instruct, B = t.Base, Weight = 0.5, Method = MergeMethod.Slerp, Output = output });
        using var scope = NewDisposeScope();
        Tensor norm = AdaptationFixtures.ReadMatrix(output, "model.norm.weight");
        Assert.Equal((float)Math.Sqrt(0.5), norm[0].item<double>(), 7);
        Assert.Equal((float)Math.Sqrt(0.5), norm[1].item<double>(), 7);
        Assert.Equal(0, norm[2..].abs().max().item<double>());
        Assert.Equal(1.0, norm.norm().item<double>(), 6);
        TensorMerge m = r.Tensors.Single(x => x.Tensor == "model.norm.weight");
        Assert.False(m.LinearFallback);
    }

    /// <summary>ElChat: A = the instruct model with an expanded vocabulary (new tokens after the old ids), B = the instruct model.</summary>
    [Fact]
    public void ExpandedVocabularyKeepsNewRowsAndTakesSpecialRowsFromB()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        JsonObject tok = JsonNode.Parse(File.ReadAllText(Path.Combine(t.Instruct, "tokenizer.json")))!.AsObject();
        int oldSize = TinyTokenizers.Size(tok);
        var vocab = tok["model"]!["vocab"]!.AsObject();
        var merges = tok["model"]!["merges"]!.AsArray();
        int next = oldSize;
        foreach (string word in new[] { " кот", " слово" })
        {
            string enc = TinyTokenizers.ByteLevelEncode(word), acc = enc[0].ToString();
            for (int k = 1; k < enc.Length; k++)
            {
                if (!vocab.ContainsKey(acc + enc[k]))
                {
                    merges.Add($"{acc} {enc[k]}");
                    vocab[acc + enc[k]] = next++;
                }
                acc += enc[k];
            }
        }
        string expanded = _tmp.File("expanded");
        var cfg = ModelConfig.Load(Path.Combine(t.Instruct, "config.json"));
        cfg.SetVocabulary(next, cfg.BosTokenId, cfg.EosTokenIds);
        TinyModel.Write(expanded, cfg, DType.F32, 9, tok, TinyTokenizers.ByteLevelConfig());
        Assert.Equal(next, Tokenizer.Load(expanded).VocabSize);

        string output = _tmp.File("out");
        MergeResult r = ModelMerge.Run(new MergeOptions { A = expanded, B = t.Instruct, Weight = 0.5, Output = output });
        Assert.Equal(next, r.Rows);
        Assert.Equal(next - oldSize, r.RowsOnlyInA);
        Tokenizer it = Tokenizer.Load(t.Instruct);
        using var scope = NewDisposeScope();
        foreach (string name in new[] { Embed, Head })
        {
            Tensor o = AdaptationFixtures.ReadMatrix(output, name), a = AdaptationFixtures.ReadMatrix(expanded, name), b = AdaptationFixtures.ReadMatrix(t.Instruct, name);
            for (int id = 0; id < next; id++)
            {
                Tensor want = id >= oldSize ? Row(a, id) : it.AddedTokens.ById(id) is not null ? Row(b, id) : (Row(a, id) + Row(b, id)) / 2;
                Assert.True(Same(Row(o, id), want), $"{name}: row {id}");
            }
        }
        Assert.Equal(File.ReadAllText(Path.Combine(expanded, "tokenizer.json")), File.ReadAllText(Path.Combine(output, "tokenizer.json")));
        Assert.Equal(next, ModelConfig.Load(Path.Combine(output, "config.json")).VocabSize);

        // the other way round is refused: A must be the expanded one
        var e = Assert.Throws<OptionException>(() => ModelMerge.Run(new MergeOptions { A = t.Instruct, B = expanded, Weight = 0.5, Output = _tmp.File("bad") }));
        Assert.Same(MergeSchema.A, e.Subject);
        Assert.Contains("embedding rows, fewer than the", e.Message);
        Assert.False(Directory.Exists(_tmp.File("bad")));
    }

    [Fact]
    public void MergesRefuseModelsThatDoNotFit()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.F32, q: "none");
        // the donor has another vocabulary of the same size class: not an extension of the instruct model's
        var e = Assert.Throws<OptionException>(() => ModelMerge.Run(new MergeOptions { A = t.Donor, B = t.Instruct, Weight = 0.5, Output = _tmp.File("x") }));
        Assert.Same(MergeSchema.A, e.Subject);
        Assert.Equal<OptionSpec>([MergeSchema.A, MergeSchema.B, MergeSchema.A, MergeSchema.B], e.Options);
        Assert.Same(MergeSchema.Weight, Assert.Throws<OptionException>(() => ModelMerge.Run(new MergeOptions { A = t.Instruct, B = t.Base, Weight = 1.5, Output = _tmp.File("x") })).Subject);
        Assert.Same(ChatVectorSchema.Instruct,
            Assert.Throws<OptionException>(() => ChatVector.Run(new ChatVectorOptions { Base = t.Base, Instruct = t.Donor, Donor = t.Donor, Output = _tmp.File("x") })).Subject);
        Assert.Throws<LepInputException>(() => ChatVector.Run(new ChatVectorOptions { Base = t.Base, Instruct = t.Instruct, Donor = t.Donor, Output = t.Donor }));
        Assert.False(Directory.Exists(_tmp.File("x")));
    }

    [Fact]
    public void CliMergesAndReportsBadInputWithExitTwo()
    {
        var t = AdaptationFixtures.Create(_tmp.File("trio"), storage: DType.BF16, q: "none");
        string output = _tmp.File("cv");
        var ok = LepProcess.Run("merge", "chat-vector", "--base", t.Base, "--instruct", t.Instruct, "--donor", t.Donor, "--out", output);
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Assert.Contains("D + (I − B)", ok.StdOut);
        Assert.Contains("lep merge chat-vector --base", File.ReadAllText(Path.Combine(output, "README.md")));
        var bad = LepProcess.Run("merge", "slerp", "--a", t.Instruct, "--b", _tmp.File("missing"), "--weight", "0.5", "--out", _tmp.File("m"));
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("error: --b ", bad.StdErr);
        Assert.False(Directory.Exists(_tmp.File("m")));
    }
}
