using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lep.Formats.Checkpoint;

/// <summary>What `lep info` reports about an HF model dir, gathered from headers and small JSON files only.</summary>
internal sealed record ModelSummary(
    string Directory,
    string Architecture,
    int Layers,
    int HiddenSize,
    int Heads,
    int KeyValueHeads,
    int HeadDim,
    int IntermediateSize,
    int VocabSize,
    bool TiedEmbeddings,
    long ParameterCount,
    IReadOnlyDictionary<string, long> ParametersByDtype,
    int WeightFiles,
    long WeightBytes,
    string? TokenizerKind,
    int? TokenizerSize,
    bool HasChatTemplate,
    IReadOnlyList<string> Warnings)
{
    public static ModelSummary Inspect(string directory)
    {
        string configPath = Path.Combine(directory, "config.json");
        if (!System.IO.Directory.Exists(directory)) throw new LepInputException(directory, "directory not found");
        ModelConfig config = ModelConfig.Load(configPath);
        using CheckpointReader weights = CheckpointReader.Open(directory);
        var byDtype = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (string name in weights.Names)
        {
            var info = weights.Info(name);
            byDtype[info.DType.ToString()] = byDtype.GetValueOrDefault(info.DType.ToString()) + info.ElementCount;
            total += info.ElementCount;
        }
        // What loading the model would reject (the one checkpoint check, the tokenizer loader), said but not fatal:
        // info is where one looks to find out what is wrong.
        var warnings = CheckpointLayout.Problems(config, weights).Select(p => p.ToString()).ToList();
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        var (kind, size) = TokenizerFacts(tokenizerPath);
        if (kind is null) warnings.Add($"{directory}: no tokenizer.json");
        else
        {
            try
            {
                Tokenization.Tokenizer.Load(tokenizerPath);
                if (size is int s && s > config.VocabSize) warnings.Add($"{tokenizerPath}: the tokenizer has {s} tokens but config.json says vocab_size {config.VocabSize}");
            }
            catch (LepInputException e)
            {
                warnings.Add(e.Message);
            }
        }
        bool chat = ChatTemplatePresent(Path.Combine(directory, "tokenizer_config.json"));
        return new ModelSummary(directory, config.Architecture, config.NumLayers, config.HiddenSize, config.NumHeads,
            config.NumKeyValueHeads, config.HeadDim, config.IntermediateSize, config.VocabSize, config.TieWordEmbeddings,
            total, byDtype, weights.Files.Count, weights.TotalBytes, kind, size, chat, warnings);
    }

    private static bool ChatTemplatePresent(string path) =>
        File.Exists(path) && JsonFile.ReadObject(path)["chat_template"] is JsonNode node
        && (node is JsonArray || (node is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0));

    /// <summary>The tokenizer's family (byte-level BPE, SentencePiece BPE, Unigram, ...) and its size (max id + 1).</summary>
    public static (string? Kind, int? Size) TokenizerFacts(string path)
    {
        if (!File.Exists(path)) return (null, null);
        using var stream = File.OpenRead(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new LepInputException(path, $"invalid JSON ({e.Message.Split('\n')[0]})");
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
                throw new LepInputException(path, "no 'model' object: not a tokenizer.json");
            string type = model.TryGetProperty("type", out JsonElement t) ? t.GetString() ?? "?" : (model.TryGetProperty("merges", out _) ? "BPE" : "?");
            int maxId = -1;
            if (model.TryGetProperty("vocab", out JsonElement vocab))
            {
                if (vocab.ValueKind == JsonValueKind.Object)
                    foreach (var e in vocab.EnumerateObject()) maxId = Math.Max(maxId, e.Value.GetInt32());
                else if (vocab.ValueKind == JsonValueKind.Array)
                    maxId = vocab.GetArrayLength() - 1;
            }
            if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
                foreach (var a in added.EnumerateArray())
                    if (a.TryGetProperty("id", out JsonElement id)) maxId = Math.Max(maxId, id.GetInt32());
            string raw = root.GetRawText();
            string kind = type switch
            {
                "BPE" when raw.Contains("\"ByteLevel\"") => "byte-level BPE",
                "BPE" when raw.Contains("\u2581") || raw.Contains("\\u2581") || raw.Contains("\"Metaspace\"") => "SentencePiece BPE",
                "Unigram" => "Unigram (SentencePiece)",
                _ => type,
            };
            return (kind, maxId + 1);
        }
    }
}
