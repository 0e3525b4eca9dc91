using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tokenization;

namespace Lep.Tests.Evaluation;

/// <summary>Tiny model dirs for evaluation tests: a seeded random Llama + a byte-level BPE tokenizer.json of our own.</summary>
public static class EvalFixtures
{
    public const int Bos = 256, Eos = 257, Vocab = 300;

    /// <summary>A byte-level BPE: 256 byte tokens, &lt;s&gt; and &lt;/s&gt;, then up to <paramref name="merges"/> merges learned greedily from
    /// <paramref name="corpus"/>; the post-processor prepends &lt;s&gt;.</summary>
    public static string TokenizerJson(int merges = 0, string corpus = "")
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteLevel.CharOf((byte)b).ToString()] = b;
        var mergeList = new JsonArray();
        var words = corpus.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => ByteLevel.Encode(" " + w).Select(c => c.ToString()).ToList()).ToList();
        int next = 258;
        for (int m = 0; m < merges && next < Vocab; m++)
        {
            var counts = new Dictionary<(string, string), int>();
            foreach (var w in words)
                for (int i = 0; i + 1 < w.Count; i++) counts[(w[i], w[i + 1])] = counts.GetValueOrDefault((w[i], w[i + 1])) + 1;
            if (counts.Count == 0) break;
            var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1 + " " + kv.Key.Item2, StringComparer.Ordinal).First().Key;
            string merged = best.Item1 + best.Item2;
            if (vocab.ContainsKey(merged)) break;
            vocab[merged] = next++;
            mergeList.Add($"{best.Item1} {best.Item2}");
            foreach (var w in words)
                for (int i = 0; i + 1 < w.Count; i++)
                    if (w[i] == best.Item1 && w[i + 1] == best.Item2) { w[i] = merged; w.RemoveAt(i + 1); }
        }
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Added(Bos, "<s>"), Added(Eos, "</s>")),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("<s>"), Seq("A")),
                ["pair"] = new JsonArray(Special("<s>"), Seq("A"), Seq("B")),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(Bos), ["tokens"] = new JsonArray("<s>") } },
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = mergeList,
            },
        };
        return json.ToJsonString();
    }

    private static JsonObject Added(int id, string content) => new()
    {
        ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
    };

    private static JsonObject Special(string id) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };
    private static JsonObject Seq(string id) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };

    public static ModelConfig Config(bool tied = false) =>
        ModelConfig.Create("LlamaForCausalLM", Vocab, 48, 96, 2, 4, 2, tieWordEmbeddings: tied, maxPositions: 256, bosTokenId: Bos, eosTokenId: Eos);

    public static LlamaForCausalLM Model(long seed = 1)
    {
        var lm = new LlamaForCausalLM(Config());
        lm.InitializeRandom(seed, initializerRange: 0.2);
        lm.eval();
        return lm;
    }

    /// <summary>Writes config.json, model.safetensors and tokenizer.json into <paramref name="dir"/>.</summary>
    public static string ModelDir(string dir, long seed = 1, int merges = 0, string corpus = "")
    {
        using var lm = Model(seed);
        lm.Save(dir);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), TokenizerJson(merges, corpus));
        return dir;
    }

    public static Tokenizer Tokenizer(int merges = 0, string corpus = "") =>
        Lep.Tokenization.Tokenizer.FromJson(System.Text.Encoding.UTF8.GetBytes(TokenizerJson(merges, corpus)));

    /// <summary>A small suite: copy, multiple choice, translation, words and a text file.</summary>
    public static string Suite(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "copy.jsonl"),
            "{\"id\": \"c1\", \"text\": \"Привет, мир!\"}\n{\"id\": \"c2\", \"text\": \"Кошка спит.\"}\n{\"id\": \"c3\", \"text\": \"a b c\"}\n");
        File.WriteAllText(Path.Combine(dir, "mc.jsonl"),
            "{\"id\": \"m1\", \"question\": \"cat\", \"choices\": [\"кот\", \"собака\", \"дом\"], \"answer\": 0}\n" +
            "{\"id\": \"m2\", \"question\": \"dog\", \"choices\": [\"кот\", \"собака\", \"дом\"], \"answer\": 1}\n" +
            "{\"id\": \"m3\", \"question\": \"house\", \"choices\": [\"кот\", \"собака\", \"дом\"], \"answer\": \"дом\"}\n");
        File.WriteAllText(Path.Combine(dir, "translate.jsonl"),
            "{\"id\": \"t1\", \"src_lang\": \"en\", \"tgt_lang\": \"ru\", \"src\": \"Good morning.\", \"ref\": \"Доброе утро.\"}\n" +
            "{\"id\": \"t2\", \"src\": \"Thank you.\", \"ref\": \"Спасибо.\"}\n");
        File.WriteAllText(Path.Combine(dir, "words.jsonl"),
            "{\"id\": \"w1\", \"en\": \"water\", \"ru\": \"вода\", \"accept\": [\"вода\", \"водица\"]}\n");
        File.WriteAllText(Path.Combine(dir, "heldout.txt"),
            "Первый документ. Он короткий.\nВторая строка.\n\nSecond document, in English.\n\n\nТретий документ — последний.\n");
        return dir;
    }
}
