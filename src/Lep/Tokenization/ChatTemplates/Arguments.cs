namespace Lep.Tokenization.ChatTemplates;

/// <summary>Evaluated call arguments with Python-style binding by position or keyword.</summary>
internal sealed class Arguments
{
    public static readonly Arguments Empty = new([], []);

    public List<object?> Positional { get; }
    public Dictionary<string, object?> Keyword { get; }

    public Arguments(List<object?> positional, Dictionary<string, object?> keyword)
    {
        Positional = positional;
        Keyword = keyword;
    }

    public int Count => Positional.Count + Keyword.Count;

    public bool Has(int index, string name) => index < Positional.Count || Keyword.ContainsKey(name);

    public object? Get(int index, string name, object? defaultValue = null)
    {
        if (index < Positional.Count)
        {
            if (Keyword.ContainsKey(name)) throw new TemplateRuntimeError($"got multiple values for argument '{name}'");
            return Positional[index];
        }
        return Keyword.TryGetValue(name, out var value) ? value : defaultValue;
    }

    public object? Required(int index, string name, string owner) =>
        Has(index, name) ? Get(index, name) : throw new TemplateRuntimeError($"{owner}() missing required argument '{name}'");

    /// <summary>Rejects surplus positional arguments and unknown keywords.</summary>
    public Arguments Check(string owner, params string[] names)
    {
        if (Positional.Count > names.Length)
            throw new TemplateRuntimeError($"{owner}() takes at most {names.Length} argument{(names.Length == 1 ? "" : "s")} ({Positional.Count} given)");
        foreach (var key in Keyword.Keys)
            if (!names.Contains(key)) throw new TemplateRuntimeError($"{owner}() got an unexpected keyword argument '{key}'");
        return this;
    }

    public string? OptionalString(int index, string name, string owner) => Get(index, name) switch
    {
        null => null,
        string s => s,
        var other => throw new TemplateRuntimeError($"{owner}(): '{name}' must be a string, got '{Py.TypeName(other)}'"),
    };
}
