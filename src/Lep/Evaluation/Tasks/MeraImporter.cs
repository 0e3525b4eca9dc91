using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lep.Evaluation.Tasks;

/// <summary>
/// MERA / Darumeru records: <c>{"instruction": "…{placeholders}…", "inputs": string | {name: value}, "outputs": string |
/// number | [strings], "meta": {"id": …}}</c>. The prompt is the instruction with <c>{inputs}</c> (string inputs) or
/// <c>{name}</c> (object inputs) filled in. Records whose inputs carry <c>option_a</c>, <c>option_b</c>, … and whose
/// output is one of those letters become multiple choice over the letters (scored by log-likelihood, as MERA's
/// lm-eval harness does); all others are generation tasks scored by exact match against the outputs. A <c>.json</c>
/// file in MERA's layout (<c>{"data": {"train": [...], "validation": [...], "test": [...]}}</c>) is read from the
/// first split among validation, dev, test and train whose records all have non-empty outputs.
/// </summary>
internal static partial class MeraImporter
{
    [GeneratedRegex(@"^option_([A-Za-z0-9]+)$")]
    private static partial Regex OptionKey();

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();

    public static EvalTask FromRecords(string path, string name, string sha, IReadOnlyList<(int Line, JsonObject Obj)> records)
    {
        var items = new List<EvalItem>();
        foreach (var (line, obj) in records)
        {
            string where = $"{path}:{line}";
            string id = obj["meta"] is JsonObject meta && meta["id"] is JsonValue idv ? idv.ToString() : $"{name}-{line}";
            items.Add(Convert(obj, id, line, where));
        }
        bool mc = items.All(i => i is ChoiceItem);
        if (!mc && items.Any(i => i is ChoiceItem))
            items = items.Select(i => i is ChoiceItem c ? new GenerationItem(c.Id, c.Line, c.Prompt, [c.Choices[c.Answer]]) : i).ToList();
        return new EvalTask(name, mc ? TaskKind.MultipleChoice : TaskKind.Generation, "mera", path, sha, items, mc ? "accuracy" : "exact_match");
    }

    public static EvalItem Convert(JsonObject o, string id, int line, string where)
    {
        string instruction = Field.String(o, "instruction", where);
        var values = new Dictionary<string, string>();
        var options = new List<(string Letter, string Text)>();
        switch (o["inputs"])
        {
            case JsonObject inputs:
                foreach (var (key, node) in inputs)
                {
                    string value = node is JsonValue v && v.TryGetValue(out string? s) ? s : node?.ToJsonString() ?? "";
                    values[key] = value;
                    Match m = OptionKey().Match(key);
                    if (m.Success) options.Add((m.Groups[1].Value, value));
                }
                break;
            case JsonValue v when v.TryGetValue(out string? s):
                values["inputs"] = s;
                break;
            case null:
                throw new LepInputException(where, "missing field 'inputs'");
            default:
                throw new LepInputException(where, "field 'inputs' must be a string or an object");
        }
        string prompt = Placeholder().Replace(instruction, m => values.TryGetValue(m.Groups[1].Value, out string? v) ? v : m.Value);
        IReadOnlyList<string> outputs = o["outputs"] switch
        {
            JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s : n?.ToJsonString() ?? "").ToList(),
            JsonValue v when v.TryGetValue(out string? s) => [s],
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => [v.ToJsonString()],
            null => throw new LepInputException(where, "missing field 'outputs'"),
            _ => throw new LepInputException(where, "field 'outputs' must be a string, a number or a list of strings"),
        };
        if (outputs.Count == 0 || outputs.All(s => s.Trim().Length == 0))
            throw new LepInputException(where, "'outputs' is empty (MERA test splits hide their answers; use a split with answers)");
        if (options.Count >= 2 && outputs.Count == 1)
        {
            int answer = options.FindIndex(op => string.Equals(op.Letter, outputs[0].Trim(), StringComparison.OrdinalIgnoreCase));
            if (answer >= 0)
            {
                bool upper = outputs[0].Trim().Any(char.IsUpper);
                var letters = options.Select(op => upper ? op.Letter.ToUpperInvariant() : op.Letter).ToList();
                return new ChoiceItem(id, line, prompt, letters, answer);
            }
        }
        return new GenerationItem(id, line, prompt, outputs);
    }

    public static EvalTask ReadTaskJson(string path, string name, string sha, string text)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new LepInputException(path, $"invalid JSON ({e.Message.Split('\n')[0]})");
        }
        if (root is not JsonObject obj || obj["data"] is not JsonObject data)
            throw new LepInputException(path, "expected a MERA task file: {\"data\": {\"<split>\": [records]}}");
        foreach (string split in new[] { "validation", "dev", "test", "train" })
        {
            if (data[split] is not JsonArray records || records.Count == 0) continue;
            if (!records.All(r => r is JsonObject ro && HasAnswer(ro))) continue;
            var list = records.Select((r, i) => (i + 1, (JsonObject)r!)).ToList();
            return FromRecords($"{path}#{split}", name, sha, list) with { SourcePath = path };
        }
        throw new LepInputException(path, "no split with answered records (outputs present and non-empty)");
    }

    private static bool HasAnswer(JsonObject r) => r["outputs"] switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s.Trim().Length > 0,
        JsonArray a => a.Count > 0,
        JsonValue v => v.GetValueKind() == JsonValueKind.Number,
        _ => false,
    };
}
