using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Runtime;
using Lep.Tests.Gguf;
using static TorchSharp.torch;

namespace Lep.Tests.Adaptation;

/// <summary>Real tiny HF dirs for init/propagation: B and I share a byte-level vocabulary (I has a chat template and
/// an extra chat token), D has a different byte-level BPE learned on other words (more Russian), and optionally
/// E_I = E_B·Q, H_I = H_B·Q₂ exactly.</summary>
public static class AdaptationFixtures
{
    /// <summary>A byte-level BPE like <see cref="TinyTokenizers.ByteLevel"/> but with other merges and only two specials.</summary>
    public static JsonObject NewByteLevel()
    {
        JsonObject tok = TinyTokenizers.ByteLevel();
        var tokens = new List<string>();
        for (int b = 0; b < 256; b++) tokens.Add(TinyTokenizers.ByteToChar[b].ToString());
        var merges = new List<string>();
        foreach (string word in new[] { " привет", " мир", " мире", " слово", "ами", " the", " world", " кот", "ого" })
        {
            string enc = TinyTokenizers.ByteLevelEncode(word);
            string acc = enc[0].ToString();
            for (int i = 1; i < enc.Length; i++)
            {
                string m = $"{acc} {enc[i]}";
                if (!merges.Contains(m)) merges.Add(m);
                acc += enc[i];
                if (!tokens.Contains(acc)) tokens.Add(acc);
            }
        }
        var vocab = new JsonObject();
        for (int i = 0; i < tokens.Count; i++) vocab[tokens[i]] = i;
        var added = new JsonArray();
        foreach (string sp in new[] { "<|begin_of_text|>", "<|end_of_text|>" })
        {
            int id = tokens.Count;
            tokens.Add(sp);
            vocab[sp] = id;
            added.Add(new JsonObject { ["id"] = id, ["content"] = sp, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        }
        tok["added_tokens"] = added;
        tok["model"]!["vocab"] = vocab;
        tok["model"]!["merges"] = new JsonArray(merges.Select(m => (JsonNode?)m).ToArray());
        var special = (JsonObject)tok["post_processor"]!["special_tokens"]!["<|begin_of_text|>"]!;
        special["ids"] = new JsonArray(tokens.IndexOf("<|begin_of_text|>"));
        return tok;
    }

    public static JsonObject NewTokenizerConfig() => new()
    {
        ["bos_token"] = "<|begin_of_text|>", ["eos_token"] = "<|end_of_text|>", ["tokenizer_class"] = "PreTrainedTokenizerFast",
    };

    public sealed record Trio(string Base, string Instruct, string Donor, string NewTokenizer, double[,]? EmbedQ, double[,]? HeadQ);

    /// <summary>Writes B, I (with E_I = E_B·Q unless <paramref name="q"/> is "none"), the new tokenizer dir, and D (random rows).</summary>
    public static Trio Create(string root, bool tied = false, DType storage = DType.F32, string q = "dense", int hidden = 32, long? instructShardBytes = null)
    {
        JsonObject oldTok = TinyTokenizers.ByteLevel();
        string b = Path.Combine(root, "base"), i = Path.Combine(root, "instruct"), d = Path.Combine(root, "donor"), t = Path.Combine(root, "newtok");
        var cfg = ModelConfig.Create("LlamaForCausalLM", TinyTokenizers.Size(oldTok), hidden, 64, 2, 4, 2, tieWordEmbeddings: tied, bosTokenId: 0, eosTokenId: 0);
        int bosOld = (int)((JsonArray)oldTok["added_tokens"]!)[0]!["id"]!;
        cfg.SetVocabulary(cfg.VocabSize, bosOld, [bosOld + 1]);
        var baseCfg = TinyTokenizers.ByteLevelConfig();
        baseCfg.Remove("chat_template");
        TinyModel.Write(b, cfg, storage, 1, oldTok, baseCfg);
        TinyModel.Write(i, cfg, storage, 2, oldTok, TinyTokenizers.ByteLevelConfig());
        JsonFile.Write(Path.Combine(i, "generation_config.json"), new JsonObject { ["bos_token_id"] = bosOld, ["eos_token_id"] = new JsonArray(bosOld + 1, bosOld + 2) });

        var rng = new Random(5);
        double[,]? qe = q == "none" ? null : MakeQ(hidden, rng, q);
        double[,]? qh = q == "none" || tied ? null : MakeQ(hidden, rng, q);
        RewriteWeights(i, instructShardBytes, (name, read) =>
        {
            if (name == "model.embed_tokens.weight" && qe is not null) return Times(read(b, name), qe, storage);
            if (name == "lm_head.weight" && qh is not null) return Times(read(b, name), qh, storage);
            return null;
        });

        Directory.CreateDirectory(t);
        JsonObject newTok = NewByteLevel();
        File.WriteAllText(Path.Combine(t, "tokenizer.json"), newTok.ToJsonString());
        File.WriteAllText(Path.Combine(t, "tokenizer_config.json"), NewTokenizerConfig().ToJsonString());
        var dcfg = cfg.Clone();
        dcfg.SetVocabulary(TinyTokenizers.Size(newTok), TinyTokenizers.Size(newTok) - 2, [TinyTokenizers.Size(newTok) - 1]);
        TinyModel.Write(d, dcfg, storage, 3, newTok, NewTokenizerConfig());
        return new Trio(b, i, d, t, qe, qh);
    }

    private static double[,] MakeQ(int n, Random rng, string kind)
    {
        var q = new double[n, n];
        if (kind == "dense")
        {
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++) q[r, c] = (rng.NextDouble() * 2 - 1) / Math.Sqrt(n) + (r == c ? 1 : 0);
            return q;
        }
        // signed permutation times powers of two: E·Q is exact in any float format
        int[] perm = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        for (int r = 0; r < n; r++) q[r, perm[r]] = (rng.Next(2) == 0 ? -1 : 1) * Math.Pow(2, rng.Next(-1, 2));
        return q;
    }

    public static Tensor ReadMatrix(string dir, string name)
    {
        using var r = CheckpointReader.Open(dir);
        return TensorBytes.ToFloat32(r.FileOf(name), r.Info(name)).to_type(ScalarType.Float64);
    }

    public static byte[] ReadBytes(string dir, string name)
    {
        using var r = CheckpointReader.Open(dir);
        return r.GetBytes(name).ToArray();
    }

    private static byte[] Times(Tensor e, double[,] q, DType storage)
    {
        using var scope = NewDisposeScope();
        Tensor qt = tensor(q);
        Tensor product = mm(e, qt).to_type(storage.ToScalarType()).contiguous();
        return product.bytes.ToArray();
    }

    /// <summary>Rewrites a dir's weights, replacing some tensors' bytes (same dtype/shape), optionally sharded.</summary>
    public static void RewriteWeights(string dir, long? maxShardBytes, Func<string, Func<string, string, Tensor>, byte[]?> replace)
    {
        var pending = new List<PendingTensor>();
        using (var r = CheckpointReader.Open(dir))
        {
            foreach (string name in r.Files.SelectMany(f => f.Tensors.OrderBy(x => x.Offset).Select(x => x.Name)))
            {
                TensorInfo info = r.Info(name);
                byte[] bytes = replace(name, ReadMatrix) ?? r.GetBytes(name).ToArray();
                pending.Add(PendingTensor.FromBytes(name, info.DType, info.Shape, bytes));
            }
        }
        foreach (string f in Directory.GetFiles(dir, "model*.safetensors*")) File.Delete(f);
        CheckpointWriter.WriteWeights(dir, pending, maxShardBytes ?? CheckpointWriter.DefaultMaxShardBytes);
    }

    public static Dictionary<string, byte[]> AllTensors(string dir)
    {
        using var r = CheckpointReader.Open(dir);
        return r.Names.ToDictionary(n => n, n => r.GetBytes(n).ToArray());
    }
}
