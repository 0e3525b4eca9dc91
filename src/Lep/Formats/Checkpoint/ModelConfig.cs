using System.Text.Json.Nodes;

namespace Lep.Formats.Checkpoint;

/// <summary>
/// config.json of a Llama-family causal LM (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM). Typed view over
/// the JSON object: unknown fields are kept and written back unchanged.
/// </summary>
public sealed class ModelConfig
{
    /// <summary>The HF architectures lep runs, each with its model_type.</summary>
    public static readonly IReadOnlyDictionary<string, string> SupportedArchitectures = new Dictionary<string, string>
    {
        ["LlamaForCausalLM"] = "llama",
        ["MistralForCausalLM"] = "mistral",
        ["Qwen2ForCausalLM"] = "qwen2",
    };

    /// <summary>The whole config.json, unknown fields included.</summary>
    public JsonObject Json { get; }

    /// <summary>The HF class name from "architectures" (e.g. LlamaForCausalLM).</summary>
    public string Architecture { get; }
    /// <summary>d: the width of the residual stream and of each embedding row.</summary>
    public int HiddenSize { get; }
    /// <summary>The width of the MLP's hidden layer.</summary>
    public int IntermediateSize { get; }
    /// <summary>Decoder layers.</summary>
    public int NumLayers { get; }
    /// <summary>Attention (query) heads.</summary>
    public int NumHeads { get; }
    /// <summary>Key/value heads (fewer than the query heads under grouped-query attention).</summary>
    public int NumKeyValueHeads { get; }
    /// <summary>Width of one attention head.</summary>
    public int HeadDim { get; }
    /// <summary>Rows of the embedding matrix.</summary>
    public int VocabSize { get; private set; }
    /// <summary>The epsilon of every RMSNorm.</summary>
    public double RmsNormEps { get; }
    /// <summary>The rotary embedding's base frequency.</summary>
    public double RopeTheta { get; }
    /// <summary>Context extension of the rotary embedding (linear or llama3), or null.</summary>
    public RopeScaling? RopeScaling { get; }
    /// <summary>The context length the model was trained for.</summary>
    public int MaxPositionEmbeddings { get; }
    /// <summary>The head shares the input embedding matrix.</summary>
    public bool TieWordEmbeddings { get; }
    /// <summary>Bias on q/k/v projections (Qwen2 always; Llama when attention_bias is true — then o_proj too).</summary>
    public bool QkvBias { get; }
    /// <summary>Bias on the attention output projection (o_proj).</summary>
    public bool OutputProjBias { get; }
    /// <summary>Bias on the MLP projections.</summary>
    public bool MlpBias { get; }
    /// <summary>The MLP's activation (silu).</summary>
    public string HiddenAct { get; }
    /// <summary>The beginning-of-sequence token id, if any.</summary>
    public int? BosTokenId => Json.GetInt("bos_token_id");
    /// <summary>The end-of-sequence token ids (one or several).</summary>
    public int[] EosTokenIds => Json.GetIntOrList("eos_token_id");
    /// <summary>The padding token id, if any.</summary>
    public int? PadTokenId => Json.GetInt("pad_token_id");
    /// <summary>The dtype the weights were saved in (torch_dtype), if recorded.</summary>
    public string? TorchDtype => Json.GetString("torch_dtype") ?? Json.GetString("dtype");

    private ModelConfig(JsonObject json, string path)
    {
        Json = json;
        string? arch = (json["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>();
        if (arch is null)
        {
            string? modelType = json.GetString("model_type");
            arch = SupportedArchitectures.FirstOrDefault(kv => kv.Value == modelType).Key;
            if (arch is null) throw new LepInputException(path, "config has neither 'architectures' nor a supported 'model_type'");
        }
        if (!SupportedArchitectures.ContainsKey(arch))
            throw new LepInputException(path, $"unsupported architecture '{arch}' (supported: {string.Join(", ", SupportedArchitectures.Keys)})");
        Architecture = arch;

        int Required(string key) => json.GetInt(key) is int v && v > 0 ? v
            : throw new LepInputException(path, $"missing or invalid field '{key}' (a positive integer)");

        HiddenSize = Required("hidden_size");
        IntermediateSize = Required("intermediate_size");
        NumLayers = Required("num_hidden_layers");
        NumHeads = Required("num_attention_heads");
        VocabSize = Required("vocab_size");
        NumKeyValueHeads = json.GetInt("num_key_value_heads") ?? NumHeads;
        HeadDim = json.GetInt("head_dim") ?? HiddenSize / NumHeads;
        if (NumKeyValueHeads <= 0 || NumHeads % NumKeyValueHeads != 0)
            throw new LepInputException(path, $"num_attention_heads {NumHeads} is not a multiple of num_key_value_heads {NumKeyValueHeads}");
        if (json.GetInt("head_dim") is null && HiddenSize % NumHeads != 0)
            throw new LepInputException(path, $"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumHeads}");
        if (HeadDim % 2 != 0) throw new LepInputException(path, $"head_dim {HeadDim} must be even for rotary embeddings");
        RmsNormEps = json.GetDouble("rms_norm_eps") ?? 1e-6;
        RopeTheta = json.GetDouble("rope_theta") ?? 10000.0;
        MaxPositionEmbeddings = json.GetInt("max_position_embeddings") ?? 2048;
        TieWordEmbeddings = json.GetBool("tie_word_embeddings") ?? false;
        bool attentionBias = json.GetBool("attention_bias") ?? false;
        QkvBias = arch == "Qwen2ForCausalLM" || attentionBias;
        OutputProjBias = arch != "Qwen2ForCausalLM" && attentionBias;
        MlpBias = json.GetBool("mlp_bias") ?? false;
        HiddenAct = json.GetString("hidden_act") ?? "silu";
        if (HiddenAct != "silu") throw new LepInputException(path, $"unsupported hidden_act '{HiddenAct}' (only silu)");
        RopeScaling = ParseRopeScaling(json["rope_scaling"] as JsonObject, path);
    }

    private static RopeScaling? ParseRopeScaling(JsonObject? o, string path)
    {
        if (o is null) return null;
        string type = o.GetString("rope_type") ?? o.GetString("type") ?? "default";
        switch (type)
        {
            case "default":
                return null;
            case "linear":
                return new RopeScaling(type, o.GetDouble("factor") ?? throw new LepInputException(path, "rope_scaling 'linear' needs 'factor'"), 0, 0, 0);
            case "llama3":
                double Need(string k) => o.GetDouble(k) ?? throw new LepInputException(path, $"rope_scaling 'llama3' needs '{k}'");
                return new RopeScaling(type, Need("factor"), Need("low_freq_factor"), Need("high_freq_factor"),
                    (int)Need("original_max_position_embeddings"));
            default:
                throw new LepInputException(path, $"unsupported rope_scaling type '{type}' (supported: linear, llama3)");
        }
    }

    /// <summary>Validates a config.json object; <paramref name="path"/> names it in errors.</summary>
    public static ModelConfig Parse(JsonObject json, string path = "config.json") => new(json, path);

    /// <summary>Reads and validates a config.json file.</summary>
    public static ModelConfig Load(string path) => new(JsonFile.ReadObject(path), path);

    /// <summary>Writes the config (every field, unknown ones included) as config.json.</summary>
    public void Save(string path) => JsonFile.Write(path, Json);

    /// <summary>An independent copy (its JSON deep-cloned).</summary>
    public ModelConfig Clone() => new((JsonObject)Json.DeepClone(), "config.json");

    /// <summary>Changes vocab_size (and the special ids when given), keeping everything else.</summary>
    public void SetVocabulary(int vocabSize, int? bos = null, int[]? eos = null, int? pad = null)
    {
        VocabSize = vocabSize;
        Json["vocab_size"] = vocabSize;
        if (bos is not null) Json["bos_token_id"] = bos;
        if (eos is not null) Json["eos_token_id"] = eos.Length == 1 ? JsonValue.Create(eos[0]) : new JsonArray(eos.Select(e => (JsonNode?)e).ToArray());
        if (pad is not null) Json["pad_token_id"] = pad;
    }

    /// <summary>For a new vocabulary: vocab_size and the special ids, where null / empty means the model has none
    /// (the field is removed rather than left pointing at an old id).</summary>
    public void ReplaceVocabulary(int vocabSize, int? bos, int[] eos, int? pad)
    {
        SetVocabulary(vocabSize, bos, eos.Length > 0 ? eos : null, pad);
        if (bos is null) Json.Remove("bos_token_id");
        if (eos.Length == 0) Json.Remove("eos_token_id");
        if (pad is null) Json.Remove("pad_token_id");
    }

    /// <summary>A config for a new model (tests, the zoo). Extra fields may be added through <see cref="Json"/> before parsing.</summary>
    public static ModelConfig Create(string architecture, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
        int numHeads, int numKeyValueHeads, bool tieWordEmbeddings = false, double ropeTheta = 10000.0, int maxPositions = 2048,
        double rmsNormEps = 1e-5, int? headDim = null, JsonObject? ropeScaling = null, bool attentionBias = false,
        int bosTokenId = 1, int eosTokenId = 2)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = SupportedArchitectures.TryGetValue(architecture, out string? mt) ? mt : "unknown",
            ["vocab_size"] = vocabSize,
            ["hidden_size"] = hiddenSize,
            ["intermediate_size"] = intermediateSize,
            ["num_hidden_layers"] = numLayers,
            ["num_attention_heads"] = numHeads,
            ["num_key_value_heads"] = numKeyValueHeads,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = maxPositions,
            ["rms_norm_eps"] = rmsNormEps,
            ["rope_theta"] = ropeTheta,
            ["tie_word_embeddings"] = tieWordEmbeddings,
            ["bos_token_id"] = bosTokenId,
            ["eos_token_id"] = eosTokenId,
            ["torch_dtype"] = "float32",
        };
        if (headDim is int hd) json["head_dim"] = hd;
        if (ropeScaling is not null) json["rope_scaling"] = ropeScaling;
        if (attentionBias && architecture != "Qwen2ForCausalLM") json["attention_bias"] = true;
        return new ModelConfig(json, "config.json");
    }
}
