using System.Text.Json;
using Lep.Data;

namespace Lep.Tokenization.ChatTemplates;

/// <summary>
/// A Hugging Face chat template (the Jinja text in tokenizer_config.json's <c>chat_template</c>), parsed once and
/// rendered the way <c>tokenizer.apply_chat_template(..., tokenize=False)</c> does: Jinja with
/// <c>trim_blocks=True, lstrip_blocks=True</c>, the globals <c>raise_exception</c> and <c>strftime_now</c>, a
/// <c>tojson</c> that keeps non-ASCII text, and the variables <c>messages</c>, <c>add_generation_prompt</c>,
/// <c>tools</c> and <c>documents</c> (None unless given), the tokenizer's special tokens (<c>bos_token</c>,
/// <c>eos_token</c>, ...) and any extra keyword arguments.
/// Errors (in the template text or raised while rendering) are <see cref="LepInputException"/>s whose message names the
/// template and the line and column.
/// </summary>
internal sealed class ChatTemplate
{
    private readonly IReadOnlyList<Stmt> _body;
    private readonly Dictionary<string, object?> _specialTokens;

    /// <summary>Where the template came from, as used in error messages (e.g. "path/tokenizer_config.json:chat_template").</summary>
    public string Name { get; }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>The special tokens handed to the template (bos_token, eos_token, ...), from the tokenizer config.</summary>
    public IReadOnlyDictionary<string, object?> SpecialTokens => _specialTokens;

    public string? BosToken => _specialTokens.GetValueOrDefault("bos_token") as string;
    public string? EosToken => _specialTokens.GetValueOrDefault("eos_token") as string;

    /// <summary>The clock behind <c>strftime_now</c> (local time, like HF); settable for reproducible renderings.</summary>
    public Func<DateTime> Clock { get; set; } = () => DateTime.Now;

    private ChatTemplate(string source, string name, IReadOnlyList<Stmt> body, Dictionary<string, object?> specialTokens)
    {
        Source = source;
        Name = name;
        _body = body;
        _specialTokens = specialTokens;
    }

    /// <summary>Parses a template; syntax errors, unknown filters and tests are reported here.</summary>
    public static ChatTemplate Parse(string source, string name = "chat_template")
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return new ChatTemplate(source, name, Parser.Parse(source), new Dictionary<string, object?>(StringComparer.Ordinal));
        }
        catch (TemplateRuntimeError e)
        {
            throw e.ToInputException(name);
        }
    }

    /// <summary>The same template with these special tokens (null leaves a token as it was).</summary>
    public ChatTemplate WithSpecialTokens(string? bosToken = null, string? eosToken = null, IReadOnlyDictionary<string, object?>? others = null)
    {
        var tokens = new Dictionary<string, object?>(_specialTokens, StringComparer.Ordinal);
        if (others is not null)
            foreach (var (key, value) in others) tokens[key] = value;
        if (bosToken is not null) tokens["bos_token"] = bosToken;
        if (eosToken is not null) tokens["eos_token"] = eosToken;
        return new ChatTemplate(Source, Name, _body, tokens) { Clock = Clock };
    }

    /// <summary>
    /// Reads <c>chat_template</c> from a tokenizer_config.json: a string, or a list of <c>{"name", "template"}</c>
    /// from which <paramref name="templateName"/> (default "default") is taken. Falls back to a
    /// <c>chat_template.jinja</c> or <c>chat_template.json</c> beside the config, where newer transformers keep it.
    /// Special tokens (<c>bos_token</c>, <c>eos_token</c>, ...; strings or <c>{"content": ...}</c> objects) come along.
    /// </summary>
    public static ChatTemplate FromTokenizerConfig(string tokenizerConfigPath, string? templateName = null)
    {
        var root = ReadJson(tokenizerConfigPath);
        if (root.ValueKind != JsonValueKind.Object)
            throw new LepInputException(tokenizerConfigPath, "expected a JSON object");
        var specialTokens = ReadSpecialTokens(tokenizerConfigPath, root);

        string sourcePath = tokenizerConfigPath;
        JsonElement template = default;
        bool found = root.TryGetProperty("chat_template", out template) && template.ValueKind != JsonValueKind.Null;
        string dir = Path.GetDirectoryName(Path.GetFullPath(tokenizerConfigPath))!;
        if (!found && File.Exists(Path.Combine(dir, "chat_template.jinja")))
        {
            sourcePath = Path.Combine(dir, "chat_template.jinja");
            if (templateName is not null && templateName != "default")
                throw new LepInputException(sourcePath, $"has a single chat template; there is no template named '{templateName}'");
            return ParseWith(File.ReadAllText(sourcePath), sourcePath, specialTokens);
        }
        if (!found && File.Exists(Path.Combine(dir, "chat_template.json")))
        {
            sourcePath = Path.Combine(dir, "chat_template.json");
            var other = ReadJson(sourcePath);
            found = other.ValueKind == JsonValueKind.Object && other.TryGetProperty("chat_template", out template)
                                                             && template.ValueKind != JsonValueKind.Null;
        }
        if (!found)
            throw new LepInputException(tokenizerConfigPath, "has no chat_template (nor a chat_template.jinja or chat_template.json beside it)");

        if (template.ValueKind == JsonValueKind.String)
        {
            if (templateName is not null && templateName != "default")
                throw new LepInputException(sourcePath, $"has a single chat_template; there is no template named '{templateName}'");
            return ParseWith(template.GetString()!, $"{sourcePath}:chat_template", specialTokens);
        }
        if (template.ValueKind != JsonValueKind.Array)
            throw new LepInputException(sourcePath, $"chat_template must be a string or a list of {{name, template}}, not {template.ValueKind}");

        var named = new List<(string Name, string Template)>();
        foreach (var item in template.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("template", out var t) || t.ValueKind != JsonValueKind.String)
                throw new LepInputException(sourcePath, "every entry of the chat_template list needs a string \"name\" and \"template\"");
            named.Add((n.GetString()!, t.GetString()!));
        }
        string wanted = templateName ?? "default";
        var match = named.FirstOrDefault(p => p.Name == wanted);
        if (match.Template is null)
            throw new LepInputException(sourcePath, $"no chat template named '{wanted}' (available: {string.Join(", ", named.Select(p => p.Name))})");
        return ParseWith(match.Template, $"{sourcePath}:chat_template[{wanted}]", specialTokens);
    }

    private static ChatTemplate ParseWith(string source, string name, Dictionary<string, object?> specialTokens)
    {
        var parsed = Parse(source, name);
        return new ChatTemplate(source, name, parsed._body, specialTokens);
    }

    private static JsonElement ReadJson(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "file not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new LepInputException(path, $"not valid JSON: {e.Message}", e);
        }
    }

    private static Dictionary<string, object?> ReadSpecialTokens(string path, JsonElement root)
    {
        var tokens = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "additional_special_tokens" && property.Value.ValueKind == JsonValueKind.Array)
            {
                tokens[property.Name] = property.Value.EnumerateArray().Select(t => (object?)TokenContent(path, property.Name, t)).ToList();
                continue;
            }
            // Flags such as add_bos_token / add_eos_token also end in "_token": only strings and {content} objects are tokens.
            if (!property.Name.EndsWith("_token", StringComparison.Ordinal)
                || property.Value.ValueKind is JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False) continue;
            tokens[property.Name] = TokenContent(path, property.Name, property.Value);
        }
        return tokens;
    }

    private static string TokenContent(string path, string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString()!,
        _ => throw new LepInputException(path, $"{key} must be a string or an object with a string \"content\""),
    };

    /// <summary>Renders a conversation like <c>apply_chat_template(messages, add_generation_prompt=..., tokenize=False, **extra)</c>.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(_specialTokens, StringComparer.Ordinal)
        {
            ["tools"] = null,
            ["documents"] = null,
        };
        if (extra is not null)
            foreach (var (key, value) in extra) variables[key] = value;
        variables["messages"] = messages.Select(m => (object?)m).ToList();
        variables["add_generation_prompt"] = addGenerationPrompt;
        return Render(variables);
    }

    /// <summary>Renders with exactly these variables (plus the globals); values may be dictionaries, lists, JSON elements, ...</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        try
        {
            return TemplateInterpreter.Render(_body, variables, Clock);
        }
        catch (TemplateRuntimeError e)
        {
            throw e.ToInputException(Name);
        }
    }

    public override string ToString() => Name;
}
