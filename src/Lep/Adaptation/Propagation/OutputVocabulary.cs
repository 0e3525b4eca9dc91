using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;

namespace Lep.Adaptation.Propagation;

/// <summary>
/// The vocabulary of I': the donor's tokenizer, with the added/special tokens of the instruct model matched by
/// content (their rows come from I) and those the donor lacks (chat tokens) appended after the donor's rows.
/// </summary>
internal sealed class OutputVocabulary
{
    /// <summary>Output row → I's row, for I's added tokens present in D's tokenizer.</summary>
    public Dictionary<int, int> Overrides { get; } = new();
    /// <summary>I's added tokens that D lacks: appended in this order, ids from D's row count on.</summary>
    public List<(string Content, int InstructId, int OutputId, JsonObject Entry)> Appended { get; } = [];
    public int Rows { get; private set; }
    public JsonObject TokenizerJson { get; private set; } = null!;
    public Tokenizer Tokenizer { get; private set; } = null!;
    private Tokenizer _instruct = null!;

    public static OutputVocabulary Plan(ModelInput donor, ModelInput instruct)
    {
        var plan = new OutputVocabulary { _instruct = instruct.Tokenizer };
        JsonObject json = JsonFile.ReadObject(Path.Combine(donor.Directory, "tokenizer.json"));
        var added = json["added_tokens"] as JsonArray ?? [];
        json["added_tokens"] = added;
        int next = checked((int)donor.Embed.Shape[0]);
        foreach (var (iid, token) in instruct.Tokenizer.AddedTokens.Tokens)
        {
            if (donor.Tokenizer.TokenToId(token.Content) is int did)
            {
                plan.Overrides[did] = iid;
                continue;
            }
            var entry = new JsonObject
            {
                ["id"] = next, ["content"] = token.Content, ["single_word"] = token.SingleWord, ["lstrip"] = token.LStrip,
                ["rstrip"] = token.RStrip, ["normalized"] = token.IsNormalized, ["special"] = token.Special,
            };
            added.Add(entry);
            plan.Appended.Add((token.Content, iid, next, entry));
            next++;
        }
        plan.Rows = next;
        plan.TokenizerJson = json;
        plan.Tokenizer = Tokenizer.FromJson(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), "output tokenizer.json");
        if (plan.Tokenizer.VocabSize != plan.Rows)
            throw new InvalidOperationException($"output tokenizer has {plan.Tokenizer.VocabSize} tokens, planned {plan.Rows} rows");
        foreach (var a in plan.Appended)
            if (plan.Tokenizer.TokenToId(a.Content) != a.OutputId)
                throw new InvalidOperationException($"appended token '{a.Content}' did not get id {a.OutputId}");
        return plan;
    }

    /// <summary>The output id of an instruct-model id (by the token's content), or null.</summary>
    public int? MapInstructId(int instructId) =>
        _instruct.IdToToken(instructId) is string content ? Tokenizer.TokenToId(content) : null;

    /// <summary>tokenizer.json (D's + appended tokens), I's tokenizer_config.json (chat template, special token names)
    /// with added_tokens_decoder rebuilt for the new ids, I's special_tokens_map/chat template files, D's tokenizer.model.
    /// A special-token role whose token the output vocabulary lacks is dropped, with a warning.</summary>
    public void WriteTokenizerFiles(string dir, ModelInput donor, ModelInput instruct, List<string> warnings)
    {
        JsonFile.Write(Path.Combine(dir, "tokenizer.json"), TokenizerJson);
        string cfgPath = Path.Combine(instruct.Directory, "tokenizer_config.json");
        if (!File.Exists(cfgPath)) cfgPath = Path.Combine(donor.Directory, "tokenizer_config.json");
        var reported = new HashSet<string>(StringComparer.Ordinal);
        Action<string, string> Dropped(string source) => (role, token) =>
        {
            if (reported.Add(role + " " + token)) warnings.Add($"{role} '{token}' (named in {source}) is not in the output vocabulary; dropped");
        };
        bool hasConfig = File.Exists(cfgPath);
        JsonObject cfg = hasConfig ? JsonFile.ReadObject(cfgPath) : new JsonObject();
        if (cfg.ContainsKey("added_tokens_decoder") || Tokenizer.AddedTokens.Count > 0)
            cfg = TokenizerFiles.UpdateConfig(Tokenizer, cfg, Dropped(cfgPath));
        else TokenizerFiles.DropMissingRoles(cfg, Tokenizer, Dropped(cfgPath));
        JsonFile.Write(Path.Combine(dir, "tokenizer_config.json"), cfg);
        string map = Path.Combine(instruct.Directory, "special_tokens_map.json");
        if (File.Exists(map))
        {
            JsonObject roles = JsonFile.ReadObject(map);
            TokenizerFiles.DropMissingRoles(roles, Tokenizer, Dropped(map));
            JsonFile.Write(Path.Combine(dir, "special_tokens_map.json"), roles);
        }
        foreach (string name in new[] { "chat_template.jinja", "chat_template.json" })
        {
            string src = Path.Combine(instruct.Directory, name);
            if (File.Exists(src)) File.Copy(src, Path.Combine(dir, name), overwrite: true);
        }
        string spm = Path.Combine(donor.Directory, "tokenizer.model");
        if (File.Exists(spm)) File.Copy(spm, Path.Combine(dir, "tokenizer.model"), overwrite: true);
    }

    /// <summary>I's config.json with the new vocab_size and bos/eos/pad ids mapped by content, and I's
    /// generation_config.json with its ids mapped the same way (ids without counterpart dropped, with a warning).</summary>
    public void WriteConfigs(string dir, ModelInput i, List<string> warnings)
    {
        ModelConfig config = i.Config.Clone();
        int? Map(int? iid, string field)
        {
            if (iid is not int x) return null;
            int? mapped = MapInstructId(x);
            if (mapped is null) warnings.Add($"{field} {x} of the instruct model has no counterpart in the new vocabulary; left unset");
            return mapped;
        }
        int? bos = Map(i.Config.BosTokenId, "bos_token_id");
        int[] eos = i.Config.EosTokenIds.Select(e => Map(e, "eos_token_id")).OfType<int>().ToArray();
        int? pad = Map(i.Config.PadTokenId, "pad_token_id");
        config.ReplaceVocabulary(Rows, bos, eos, pad);
        config.Save(Path.Combine(dir, "config.json"));

        string gen = Path.Combine(i.Directory, "generation_config.json");
        if (File.Exists(gen))
        {
            JsonObject g = JsonFile.ReadObject(gen);
            foreach (string key in new[] { "bos_token_id", "eos_token_id", "pad_token_id" })
            {
                if (g[key] is null) continue;
                int[] ids = g.GetIntOrList(key).Select(x => MapInstructId(x)).OfType<int>().ToArray();
                if (ids.Length == 0) g.Remove(key);
                else g[key] = g[key] is JsonArray ? new JsonArray(ids.Select(x => (JsonNode?)x).ToArray()) : ids[0];
            }
            JsonFile.Write(Path.Combine(dir, "generation_config.json"), g);
        }
    }
}
