using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Tokenization.PostProcessors;

namespace Lep.Tokenization.Vocabulary;

/// <summary>A tokenizer with its tokenizer_config.json (when one is found beside it).</summary>
internal sealed record TokenizerSource(Tokenizer Tokenizer, JsonObject? Config, string Path)
{
    /// <summary>The tokenizer.json file itself (<see cref="Path"/> may name its directory).</summary>
    public string JsonPath => TokenizerFiles.JsonPath(Path);

    /// <summary>Loads a tokenizer.json file or a directory holding one; the config is <c>tokenizer_config.json</c>
    /// in the same directory, or <c>NAME.tokenizer_config.json</c> beside <c>NAME.tokenizer.json</c>.</summary>
    public static TokenizerSource Load(string path)
    {
        var tok = Tokenizer.Load(path);
        CheckIds(tok, Directory.Exists(path) ? System.IO.Path.Combine(path, "tokenizer.json") : path);
        string? configPath = null;
        if (Directory.Exists(path)) configPath = System.IO.Path.Combine(path, "tokenizer_config.json");
        else
        {
            string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
            string name = System.IO.Path.GetFileName(path);
            if (name.EndsWith(".tokenizer.json", StringComparison.Ordinal))
                configPath = System.IO.Path.Combine(dir, name[..^".tokenizer.json".Length] + ".tokenizer_config.json");
            if (configPath == null || !File.Exists(configPath)) configPath = System.IO.Path.Combine(dir, "tokenizer_config.json");
        }
        JsonObject? config = null;
        if (File.Exists(configPath))
        {
            try
            {
                config = JsonNode.Parse(File.ReadAllBytes(configPath)) as JsonObject
                         ?? throw new LepInputException(configPath, "top level must be a JSON object");
            }
            catch (JsonException e)
            {
                throw new LepInputException(configPath, "invalid JSON: " + e.Message, e);
            }
        }
        return new TokenizerSource(tok, config, path);
    }

    /// <summary>The id space must be 0…n-1 without duplicates or gaps, and every added token must get the id the
    /// file declares (HF reassigns ids on load, so a mismatch means the file is inconsistent).</summary>
    public static void CheckIds(Tokenizer tok, string jsonPath)
    {
        var vocab = tok.Model.GetVocab();
        var seen = new Dictionary<int, string>();
        foreach (var (t, id) in vocab)
            if (!seen.TryAdd(id, t)) throw new LepInputException(jsonPath, $"duplicate id {id} in the model vocabulary (\"{seen[id]}\" and \"{t}\")");
        for (int id = 0; id < tok.VocabSize; id++)
            if (tok.IdToToken(id) == null) throw new LepInputException(jsonPath, $"gap in the ids: id {id} has no token (vocabulary size {tok.VocabSize})");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
            if (doc.RootElement.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array)
                foreach (var t in at.EnumerateArray())
                {
                    if (!t.TryGetProperty("id", out var idEl) || !idEl.TryGetInt32(out int declared) || !t.TryGetProperty("content", out var c)) continue;
                    int? actual = tok.TokenToId(c.GetString()!);
                    if (actual != declared)
                        throw new LepInputException(jsonPath, $"added token \"{c.GetString()}\" declares id {declared} but gets id {actual} (duplicate ids or a gap)");
                }
        }
        catch (JsonException e)
        {
            throw new LepInputException(jsonPath, "invalid JSON: " + e.Message, e);
        }
    }
}

/// <summary>Helpers shared by the vocabulary operations.</summary>
internal static class TokenizerFiles
{
    /// <summary>Writes tokenizer.json, tokenizer_config.json (<paramref name="config"/> updated to the new added
    /// tokens, or a minimal one) and alignment.json into a staging directory, then commits it (over an existing
    /// non-empty dir only with <paramref name="replace"/>).</summary>
    public static void WriteDirectory(string outDir, Tokenizer tokenizer, JsonObject? config, VocabularyAlignment? alignment, bool replace = false)
    {
        using var staging = new StagingDirectory(outDir, replace);
        tokenizer.Save(staging.File("tokenizer.json"));
        var cfg = UpdateConfig(tokenizer, config);
        File.WriteAllText(staging.File("tokenizer_config.json"), cfg.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n", new UTF8Encoding(false));
        alignment?.Save(staging.File(VocabularyAlignment.FileName));
        staging.Commit();
    }

    /// <summary>tokenizer_config.json for a tokenizer: the given one with <c>added_tokens_decoder</c> rewritten to the
    /// tokenizer's added tokens; special-token roles kept when the tokenizer has their token, otherwise dropped
    /// (<see cref="DropMissingRoles"/>, reported through <paramref name="dropped"/>).</summary>
    public static JsonObject UpdateConfig(Tokenizer tokenizer, JsonObject? config, Action<string, string>? dropped = null)
    {
        var cfg = config?.DeepClone().AsObject() ?? new JsonObject { ["tokenizer_class"] = "PreTrainedTokenizerFast", ["clean_up_tokenization_spaces"] = false };
        var decoder = new JsonObject();
        foreach (var (id, t) in tokenizer.AddedTokens.Tokens)
            decoder[id.ToString()] = new JsonObject
            {
                ["content"] = t.Content, ["lstrip"] = t.LStrip, ["normalized"] = t.IsNormalized, ["rstrip"] = t.RStrip,
                ["single_word"] = t.SingleWord, ["special"] = t.Special,
            };
        cfg["added_tokens_decoder"] = decoder;
        DropMissingRoles(cfg, tokenizer, dropped);
        if (config == null)
        {
            foreach (var (key, name) in new[] { ("bos_token", "<s>"), ("eos_token", "</s>"), ("unk_token", "<unk>") })
                if (tokenizer.TokenToId(name) != null && tokenizer.AddedTokens.TokenToId(name) != null) cfg[key] = name;
            cfg["model_max_length"] = 1_000_000;
        }
        return cfg;
    }

    /// <summary>The special-token roles tokenizer_config.json and special_tokens_map.json name by their token.</summary>
    public static readonly string[] SpecialRoles = ["bos_token", "eos_token", "pad_token", "unk_token", "sep_token", "cls_token", "mask_token"];

    /// <summary>
    /// Removes from a tokenizer_config.json or special_tokens_map.json object every role (and additional special
    /// token) whose token <paramref name="tokenizer"/> does not have: such a name has no id, and HF loading, GGUF
    /// export and generation stop on it. Each removal is reported as (role, token).
    /// </summary>
    public static void DropMissingRoles(JsonObject cfg, Tokenizer tokenizer, Action<string, string>? dropped = null)
    {
        foreach (string key in SpecialRoles)
        {
            if (RoleContent(cfg[key]) is string name && tokenizer.TokenToId(name) == null)
            {
                cfg.Remove(key);
                dropped?.Invoke(key, name);
            }
        }
        if (cfg["additional_special_tokens"] is JsonArray extra)
            foreach (JsonNode? item in extra.ToList())
                if (RoleContent(item) is string name && tokenizer.TokenToId(name) == null)
                {
                    extra.Remove(item);
                    dropped?.Invoke("additional_special_tokens", name);
                }
    }

    /// <summary>The tokenizer.json of a path that is one, or of a directory holding one.</summary>
    public static string JsonPath(string fileOrDirectory) =>
        Directory.Exists(fileOrDirectory) ? System.IO.Path.Combine(fileOrDirectory, "tokenizer.json") : fileOrDirectory;

    /// <summary>bos/eos/unk/pad token contents named in the tokenizer_config.json of a model or tokenizer dir (or beside
    /// a tokenizer.json), when there is one.</summary>
    public static Dictionary<string, string> ReadRoles(string dirOrTokenizerJson)
    {
        string dir = Directory.Exists(dirOrTokenizerJson) ? dirOrTokenizerJson : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(dirOrTokenizerJson))!;
        string path = System.IO.Path.Combine(dir, "tokenizer_config.json");
        return Roles(File.Exists(path) ? JsonFile.ReadObject(path) : null);
    }

    /// <summary>bos/eos/unk/pad token contents named in a tokenizer_config.json (a name or an AddedToken object).</summary>
    public static Dictionary<string, string> Roles(JsonObject? config)
    {
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (config is null) return roles;
        foreach (string role in new[] { "bos_token", "eos_token", "unk_token", "pad_token" })
            if (RoleContent(config[role]) is { Length: > 0 } content) roles[role] = content;
        return roles;
    }

    /// <summary>The token a role names: a string, or an AddedToken object's content.</summary>
    private static string? RoleContent(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonObject o when o["content"] is JsonValue c && c.TryGetValue(out string? s2) => s2,
        _ => null,
    };

    /// <summary>Rebuilds a TemplateProcessing post-processor for new ids (by token content); other kinds unchanged.</summary>
    public static IPostProcessor? RemapPostProcessor(IPostProcessor? p, Func<string, int?> idOf)
    {
        if (p is not TemplateProcessing tp) return p;
        var specials = new Dictionary<string, TemplateSpecialToken>();
        foreach (var (k, st) in tp.SpecialTokens)
        {
            var ids = new List<int>();
            foreach (var tok in st.Tokens) ids.Add(idOf(tok) ?? throw new LepInputException("<post_processor>", $"special token \"{tok}\" has no id in the new vocabulary"));
            specials[k] = new TemplateSpecialToken(st.Id, ids, st.Tokens);
        }
        return new TemplateProcessing(tp.Single, tp.Pair, specials);
    }
}
