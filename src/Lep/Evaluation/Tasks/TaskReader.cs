using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Data.Tasks;

namespace Lep.Evaluation.Tasks;

/// <summary>
/// Reads one task file. <c>.txt</c>: documents separated by empty lines (language modelling). <c>.jsonl</c>: one JSON
/// object per line, the layout recognised from the first record's fields (every record must then have them):
/// <list type="bullet">
/// <item><c>instruction</c> + <c>inputs</c> + <c>outputs</c>: a MERA/Darumeru record (<see cref="MeraImporter"/>);</item>
/// <item><c>question</c> (or <c>prompt</c>) + <c>choices</c> + <c>answer</c>: multiple choice;</item>
/// <item><c>src</c> + <c>ref</c>: translation; <c>en</c> + <c>ru</c> + <c>accept</c>: word translation;</item>
/// <item><c>prompt</c> + <c>reference</c> (or <c>references</c>): free generation;</item>
/// <item><c>text</c>: copy ("repeat this text exactly").</item>
/// </list>
/// <c>.json</c>: a MERA task file (<c>{"data": {"test"|"validation"|"train": [records]}}</c>).
/// Every problem is a <see cref="LepInputException"/> naming the file and line.
/// </summary>
internal static class TaskReader
{
    public static EvalTask Read(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "task file not found");
        byte[] bytes = File.ReadAllBytes(path);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(StripBom(bytes));
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new LepInputException(path, $"not valid UTF-8 (at byte {e.Index})");
        }
        string name = TaskName(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".txt" => ReadText(path, name, sha, text),
            ".jsonl" => ReadJsonl(path, name, sha, text),
            ".json" => MeraImporter.ReadTaskJson(path, name, sha, text),
            _ => throw new LepInputException(path, "unknown task file type (expected .jsonl, .json or .txt)"),
        };
    }

    /// <summary>The file name up to its first dot: bench_copy.dev.jsonl → bench_copy.</summary>
    public static string TaskName(string path)
    {
        string file = Path.GetFileName(path);
        int dot = file.IndexOf('.');
        return dot > 0 ? file[..dot] : file;
    }

    private static ReadOnlySpan<byte> StripBom(byte[] b) => b.Length >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? b.AsSpan(3) : b;

    private static EvalTask ReadText(string path, string name, string sha, string text)
    {
        var docs = new List<EvalItem>();
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        var current = new List<string>();
        int start = 0;
        for (int i = 0; i <= lines.Length; i++)
        {
            bool blank = i == lines.Length || lines[i].Trim().Length == 0;
            if (!blank)
            {
                if (current.Count == 0) start = i + 1;
                current.Add(lines[i]);
            }
            else if (current.Count > 0)
            {
                docs.Add(new DocumentItem($"doc{docs.Count + 1}", start, string.Join('\n', current)));
                current.Clear();
            }
        }
        if (docs.Count == 0) throw new LepInputException(path, "empty file: no documents (documents are separated by empty lines)");
        return new EvalTask(name, TaskKind.LanguageModeling, "text", path, sha, docs, "bits_per_char");
    }

    private static EvalTask ReadJsonl(string path, string name, string sha, string text)
    {
        var records = new List<(int Line, JsonObject Obj)>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0) continue;
            JsonNode? node;
            Data.JsonLine.RequireUnicodeStrings(line, $"{path}:{i + 1}");
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                throw new LepInputException($"{path}:{i + 1}", $"invalid JSON ({e.Message.Split('\n')[0]})");
            }
            if (node is not JsonObject obj) throw new LepInputException($"{path}:{i + 1}", "expected a JSON object");
            records.Add((i + 1, obj));
        }
        if (records.Count == 0) throw new LepInputException(path, "empty file: no records");
        return FromRecords(path, name, sha, records);
    }

    internal static EvalTask FromRecords(string path, string name, string sha, IReadOnlyList<(int Line, JsonObject Obj)> records)
    {
        var (firstLine, first) = records[0];
        string format = Recognise(first) ?? throw new LepInputException($"{path}:{firstLine}",
            $"cannot tell the task kind from the fields {{{string.Join(", ", first.Select(p => p.Key))}}} (see docs/eval.md)");
        if (format == "mera") return MeraImporter.FromRecords(path, name, sha, records);
        var items = new List<EvalItem>();
        foreach (var (line, obj) in records)
        {
            string where = $"{path}:{line}";
            string id = Field.OptionalString(obj, "id", where) ?? $"{name}-{line}";
            items.Add(format switch
            {
                "copy" => Copy(obj, id, line, where),
                "multiple_choice" => Choice(obj, id, line, where),
                "translation" => Translation(obj, id, line, where),
                "words" => Word(obj, id, line, where),
                _ => Generation(obj, id, line, where),
            });
        }
        string primary = format switch { "copy" or "words" => "exact_match", "multiple_choice" => "accuracy", _ => "chrf" };
        TaskKind kind = format == "multiple_choice" ? TaskKind.MultipleChoice : TaskKind.Generation;
        return new EvalTask(name, kind, format, path, sha, items, primary);
    }

    /// <summary>The layout of a record, or null when no rule fits.</summary>
    public static string? Recognise(JsonObject o)
    {
        bool Has(string key) => o.ContainsKey(key);
        if (Has("instruction") && Has("inputs") && Has("outputs")) return "mera";
        if ((Has("question") || Has("prompt")) && Has("choices") && Has("answer")) return "multiple_choice";
        if (Has("src") && Has("ref")) return "translation";
        if (Has("en") && Has("ru") && Has("accept")) return "words";
        if (Has("prompt") && (Has("reference") || Has("references"))) return "generation";
        if (Has("text")) return "copy";
        return null;
    }

    private static GenerationItem Copy(JsonObject o, string id, int line, string where)
    {
        string text = Field.String(o, "text", where);
        return new GenerationItem(id, line, PromptTemplates.Copy(text), [text]);
    }

    private static ChoiceItem Choice(JsonObject o, string id, int line, string where)
    {
        string prompt = o.ContainsKey("question")
            ? PromptTemplates.MultipleChoice(Field.String(o, "question", where))
            : Field.String(o, "prompt", where);
        IReadOnlyList<string> choices = Field.StringList(o, "choices", where);
        if (choices.Count < 2) throw new LepInputException(where, $"'choices' needs at least 2 entries, has {choices.Count}");
        if (choices.Distinct().Count() != choices.Count) throw new LepInputException(where, "'choices' has duplicate entries");
        int answer = o["answer"] switch
        {
            null => throw new LepInputException(where, "missing field 'answer'"),
            JsonValue v when v.TryGetValue(out int i) => i >= 0 && i < choices.Count ? i
                : throw new LepInputException(where, $"answer {i} is not among the {choices.Count} choices (0-based index expected)"),
            JsonValue v when v.TryGetValue(out string? s) => IndexOf(choices, s)
                ?? throw new LepInputException(where, $"answer \"{s}\" is not among the choices"),
            _ => throw new LepInputException(where, "'answer' must be a 0-based choice index or the text of a choice"),
        };
        return new ChoiceItem(id, line, prompt, choices, answer);
    }

    private static int? IndexOf(IReadOnlyList<string> list, string s)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == s) return i;
        return null;
    }

    private static GenerationItem Translation(JsonObject o, string id, int line, string where)
    {
        string src = Field.String(o, "src", where);
        string reference = Field.String(o, "ref", where);
        string prompt = PromptTemplates.Translation(src, Field.OptionalString(o, "src_lang", where), Field.OptionalString(o, "tgt_lang", where));
        return new GenerationItem(id, line, prompt, [reference]);
    }

    private static GenerationItem Word(JsonObject o, string id, int line, string where)
    {
        string en = Field.String(o, "en", where);
        string ru = Field.String(o, "ru", where);
        var accept = Field.StringList(o, "accept", where);
        return new GenerationItem(id, line, PromptTemplates.Word(en), [ru, .. accept.Where(a => a != ru)]);
    }

    private static GenerationItem Generation(JsonObject o, string id, int line, string where)
    {
        string prompt = Field.String(o, "prompt", where);
        IReadOnlyList<string> refs = o.ContainsKey("references") ? Field.StringList(o, "references", where) : [Field.String(o, "reference", where)];
        if (refs.Count == 0) throw new LepInputException(where, "'references' is empty");
        return new GenerationItem(id, line, prompt, refs);
    }
}

/// <summary>Typed field access with errors that name the file and line.</summary>
internal static class Field
{
    public static string String(JsonObject o, string key, string where)
    {
        if (!o.ContainsKey(key)) throw new LepInputException(where, $"missing field '{key}'");
        if (o[key] is JsonValue v && v.TryGetValue(out string? s)) return s;
        throw new LepInputException(where, $"field '{key}' must be a string");
    }

    public static string? OptionalString(JsonObject o, string key, string where) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out long l) => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new LepInputException(where, $"field '{key}' must be a string"),
    };

    public static IReadOnlyList<string> StringList(JsonObject o, string key, string where)
    {
        if (!o.ContainsKey(key)) throw new LepInputException(where, $"missing field '{key}'");
        if (o[key] is not JsonArray a) throw new LepInputException(where, $"field '{key}' must be a list of strings");
        var list = new List<string>(a.Count);
        foreach (JsonNode? n in a)
        {
            if (n is JsonValue v && v.TryGetValue(out string? s)) list.Add(s);
            else throw new LepInputException(where, $"field '{key}' must be a list of strings");
        }
        return list;
    }
}
