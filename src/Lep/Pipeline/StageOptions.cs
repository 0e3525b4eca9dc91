using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Options;

namespace Lep.Pipeline;

/// <summary>
/// A stage's options as its kind reads them. Each read is of an <see cref="OptionSpec"/> of the job's schema, the
/// one `lep` builds its flags from (so the kind's reads are its option list, with the CLI's defaults and checks: keys
/// nobody read are typos), expands <c>${VAR}</c> / <c>${VAR:-default}</c> in strings, checks the JSON type,
/// resolves paths (relative to the pipeline file's directory; <c>@STAGE</c> or <c>@STAGE/sub/path</c> = that earlier
/// stage's artifact dir) and records the canonical value that the stage's fingerprint hashes. A bad value is recorded
/// and a default returned, so one pass reports every problem of the file.
/// </summary>
internal sealed class StageOptions
{
    /// <summary>Keys of a stage object that are not options.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal) { "name", "kind", "description", PipelineDefinition.UnlessSetKey };

    private readonly JsonObject _raw;
    private readonly PipelineScope _scope;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OptionSpec> _specs = new(StringComparer.Ordinal);
    private readonly JsonObject _canonical = [];
    private readonly HashSet<string> _howItRuns = new(StringComparer.Ordinal);
    private readonly JsonObject _resolved = [];
    private readonly List<string> _errors = [];
    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _expansionFailed = new(StringComparer.Ordinal);
    private readonly List<string> _dependencies = [];
    private readonly List<StageInput> _inputs = [];
    private readonly List<StageInput> _devices = [];

    internal StageOptions(PipelineScope scope, string stage, string kind, int index, JsonObject raw)
    {
        _scope = scope;
        Stage = stage;
        Kind = kind;
        Index = index;
        _raw = raw;
    }

    public string Stage { get; }
    public string Kind { get; }
    public int Index { get; }

    /// <summary>The stage's artifact dir (what <c>@STAGE</c> refers to).</summary>
    public string ArtifactDirectory => _scope.ArtifactDirectory(Stage);

    /// <summary>The options that were given, canonical (environment expanded, numbers parsed, paths resolved;
    /// references kept as <c>@STAGE</c> so the hash does not depend on where the work dir is).</summary>
    public JsonObject Canonical => _canonical;

    /// <summary>What decides whether a finished stage is still valid: <see cref="Canonical"/> minus the options that
    /// only say how the stage runs (<see cref="HowItRuns"/>).</summary>
    public JsonObject Fingerprinted => new(_canonical.Where(kv => !_howItRuns.Contains(kv.Key)).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));

    /// <summary>Options that change how a stage runs but not what it writes (ranks per node, nodes, the rendezvous):
    /// changing them neither re-runs a finished stage nor marks it changed.</summary>
    public void HowItRuns(params OptionSpec[] options) => _howItRuns.UnionWith(options.Select(o => o.Name));

    /// <summary>The given options as the stage uses them: like <see cref="Canonical"/> with every path absolute.</summary>
    public JsonObject Resolved => _resolved;

    /// <summary>Stages this one reads (by name, in first-use order).</summary>
    public IReadOnlyList<string> Dependencies => _dependencies;

    /// <summary>Paths outside the pipeline that must exist when the stage runs.</summary>
    public IReadOnlyList<StageInput> ExternalInputs => _inputs;

    /// <summary>Devices other than cpu the stage runs on (checked for availability before a run starts).</summary>
    public IReadOnlyList<StageInput> Devices => _devices;

    public IReadOnlyList<string> Errors => _errors;

    /// <summary>The errors minus "missing" ones (which a misspelt option causes, and which its own error explains).</summary>
    internal IEnumerable<string> ValueErrors => _errors.Where(e => !_missing.Contains(e));

    /// <summary>The options the kind read, by name (what a test compares with the job's schema).</summary>
    internal IReadOnlyDictionary<string, OptionSpec> SpecsRead => _specs;

    /// <summary>Every key the kind read, options and selectors.</summary>
    internal IReadOnlySet<string> KeysRead => _read;

    public void Missing(OptionSpec option, string problem = "missing (required)") => Missing(option.Name, problem);

    public bool Has(OptionSpec option)
    {
        _specs[option.Name] = option;
        return Has(option.Name);
    }

    public void Error(OptionSpec option, string problem) => Error(option.Name, problem);

    /// <summary>A problem of the stage as a whole (e.g. options that contradict each other).</summary>
    public void Error(string problem) => _errors.Add(problem);

    /// <summary>The key under which <see cref="Variables"/> joins the stage's fingerprint.</summary>
    public const string VariablesKey = "variables";

    /// <summary>The file's "variables" with the values of this load, in the file's order: for a stage that records
    /// how its pipeline was set (the zoo's recipe.json). They join the stage's options, so a change of any re-runs it.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Variables()
    {
        Set(VariablesKey, new JsonObject(_scope.Variables.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))));
        return _scope.Variables;
    }

    /// <summary>Runs a library check of the bound options (e.g. <c>TrainingOptions.Validate</c>) and reports what it
    /// refuses in the pipeline's words: <c>option 'warmup': must be ≤ "steps" (10 &gt; 5)</c>.</summary>
    public void Check(Action check)
    {
        try
        {
            check();
        }
        catch (OptionException e)
        {
            Error(Describe(e));
        }
        catch (ArgumentException e)
        {
            Error(e.Message);
        }
    }

    /// <summary>A refusal in the pipeline's words: <c>option 'warmup': must be ≤ "steps" (10 &gt; 5)</c>, or the problem
    /// alone when it is about the options as a whole. Also how a stage's run reports one (<see cref="PipelineRunner"/>).</summary>
    internal static string Describe(OptionException e) =>
        e.Subject is OptionSpec subject ? $"option '{subject.Name}': {e.FormatProblem(KeyWording.Instance)}" : e.FormatProblem(KeyWording.Instance);

    /// <summary>A required choice that decides which other options exist (e.g. the tokenizer stage's "op"): a missing
    /// or wrong value stops the stage's binding at once, since the rest cannot be checked without it.</summary>
    public string Selector(string name, params string[] allowed)
    {
        if (!Has(name)) throw new StageOptionException($"option '{name}': missing (required; one of {string.Join(", ", allowed)})");
        int before = _errors.Count;
        string? s = ChoiceOrNull(name, allowed);
        if (s is null) throw new StageOptionException(_errors.Count > before ? _errors[^1] : $"option '{name}': missing");
        return s;
    }

    // ------------------------------------------------------------------ options of a schema

    /// <summary>The option's value: its default when not given; for a bad value (wrong type, not a choice, out of
    /// range: the spec's check) the error is recorded and the default returned.</summary>
    public T Get<T>(OptionSpec<T> option)
    {
        _specs[option.Name] = option;
        if (option.Required && !Has(option.Name))
        {
            Missing(option.Name, option.Choices is { } c ? $"missing (required; one of {string.Join(", ", c)})" : "missing (required)");
            return option.Default;
        }
        int before = _errors.Count;
        object? value = Read(option);
        if (value is null || _errors.Count > before) return option.Default;
        T typed = (T)value;
        if (option.Problem(typed) is string problem)
        {
            Error(option.Name, problem);
            return option.Default;
        }
        return typed;
    }

    /// <summary>A compute device (cpu, auto, cuda or cuda:N), lower case; one other than cpu is checked for
    /// availability before a run starts when <paramref name="register"/>.</summary>
    public string Device(OptionSpec<string> option, bool register = true)
    {
        int before = _errors.Count;
        string d = Get(option).Trim().ToLowerInvariant();
        if (!Has(option.Name) || _errors.Count > before) return d;
        Set(option.Name, d);
        if (register && d != "cpu") _devices.Add(new StageInput(option.Name, d));
        return d;
    }

    /// <summary>A text option given as one string or as an array of strings, joined with commas (e.g. "lora-targets":
    /// "q_proj,v_proj" like the flag, or ["q_proj", "v_proj"]).</summary>
    public string JoinedText(OptionSpec<string> option)
    {
        _specs[option.Name] = option;
        int before = _errors.Count;
        IReadOnlyList<string> parts = StringList(option.Name);
        if (!Has(option.Name) || _errors.Count > before) return option.Default;
        string joined = string.Join(",", parts);
        if (option.Problem(joined) is string problem)
        {
            Error(option.Name, problem);
            return option.Default;
        }
        return joined;
    }

    /// <summary>An id, or <c>@STAGE[/sub]</c> whose value the stage works out at run time from that artifact.</summary>
    public (int? Value, string? Reference) IntOrReference(OptionSpec<int?> option)
    {
        _specs[option.Name] = option;
        var (value, reference) = LongOrReference(option.Name);
        if (value is null) return (null, reference);
        if (value is < int.MinValue or > int.MaxValue) { Error(option.Name, $"{value} is out of range"); return (null, null); }
        if (option.Problem((int)value) is string problem) { Error(option.Name, problem); return (null, null); }
        return ((int)value, null);
    }

    /// <summary>Paths given as <c>PATH</c> or <c>NAME=PATH</c> (e.g. eval's models); one string or an array.</summary>
    public IReadOnlyList<NamedPath> NamedPaths(OptionSpec<string[]> option)
    {
        _specs[option.Name] = option;
        if (option.Required && !Has(option.Name)) { Missing(option.Name, "missing (required: one path or a list of them)"); return []; }
        return NamedPathList(option.Name);
    }

    private object? Read(OptionSpec option)
    {
        Type t = option.ValueType;
        if (t == typeof(int) || t == typeof(int?)) return OptionalInt(option.Name);
        if (t == typeof(long)) return OptionalLong(option.Name);
        if (t == typeof(double)) return OptionalDouble(option.Name);
        if (t == typeof(bool)) return FlagOrNull(option.Name);
        if (t == typeof(string))
            return option.Choices is { } choices ? ChoiceOrNull(option.Name, choices) : option.IsPath ? OptionalPath(option.Name) : String(option.Name);
        if (t == typeof(string[]))
            return (option.IsPath ? NamedPathList(option.Name, allowNames: false).Select(p => p.Path) : StringList(option.Name)).ToArray() is { Length: > 0 } list ? list : null;
        throw new ArgumentException($"option '{option.Name}': a {t.Name} cannot be read from a pipeline file");
    }

    /// <summary>How a pipeline file names options in messages: as its keys.</summary>
    private sealed class KeyWording : IOptionWording
    {
        public static readonly KeyWording Instance = new();
        public string Name(OptionSpec option) => $"\"{option.Name}\"";
        public string Setting(OptionSpec option, object? value) => $"\"{option.Name}\": " + value switch
        {
            string s => JsonValue.Create(s).ToJsonString(),
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => "null",
        };
    }

    // ------------------------------------------------------------------ scalars

    private void Missing(string option, string problem = "missing (required)")
    {
        Error(option, problem);
        _missing.Add(_errors[^1]);
    }

    private bool Has(string name)
    {
        _read.Add(name);
        return _raw[name] is not null;
    }

    private void Error(string option, string problem) => _errors.Add($"option '{option}': {problem}");

    private string? String(string name)
    {
        JsonNode? node = Read(name);
        if (node is null) return null;
        if (node.GetValueKind() != JsonValueKind.String)
        {
            Error(name, $"expected a string, got {Show(node)}");
            return null;
        }
        string value = Expand(name, node.GetValue<string>());
        Set(name, value);
        return value;
    }

    private string? ChoiceOrNull(string name, IReadOnlyList<string> allowed)
    {
        string? s = String(name);
        if (s is null) return null;
        string lower = s.ToLowerInvariant();
        if (allowed.Contains(lower)) { _canonical[name] = lower; return lower; }
        Error(name, $"'{s}' is not one of {string.Join(", ", allowed)}");
        return null;
    }

    private long? OptionalLong(string name)
    {
        JsonNode? node = Read(name);
        if (node is null) return null;
        long? value = null;
        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out long l)) value = l;
        else if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) value = (long)d;
        else if (node.GetValueKind() == JsonValueKind.String
            && long.TryParse(Expand(name, node.GetValue<string>()).Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out long p)) value = p;
        if (value is null) { TypeError(name, $"expected an integer, got {Show(node)}"); return null; }
        Set(name, value.Value);
        return value;
    }

    private int? OptionalInt(string name)
    {
        long? v = OptionalLong(name);
        if (v is null) return null;
        if (v is < int.MinValue or > int.MaxValue) { Error(name, $"{v} is out of range"); return null; }
        return (int)v.Value;
    }

    private double? OptionalDouble(string name)
    {
        JsonNode? node = Read(name);
        if (node is null) return null;
        double? value = null;
        if (node.GetValueKind() == JsonValueKind.Number) value = node.GetValue<double>();
        else if (node.GetValueKind() == JsonValueKind.String
            && double.TryParse(Expand(name, node.GetValue<string>()), NumberStyles.Float, CultureInfo.InvariantCulture, out double p)) value = p;
        if (value is null || !double.IsFinite(value.Value)) { TypeError(name, $"expected a number, got {Show(node)}"); return null; }
        Set(name, value.Value);
        return value;
    }

    /// <summary>A switch (a CLI flag without value): true/false, null when absent.</summary>
    private bool? FlagOrNull(string name)
    {
        JsonNode? node = Read(name);
        if (node is null) return null;
        bool? value = node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => Expand(name, node.GetValue<string>()).ToLowerInvariant() switch { "true" => true, "false" => false, _ => null },
            _ => null,
        };
        if (value is null) { TypeError(name, $"expected true or false, got {Show(node)}"); return null; }
        Set(name, value.Value);
        return value.Value;
    }

    /// <summary>A string or an array of strings (a repeatable CLI flag).</summary>
    private IReadOnlyList<string> StringList(string name)
    {
        JsonNode? node = Read(name);
        if (node is null) return [];
        var list = new List<string>();
        foreach (JsonNode? item in Items(node))
        {
            if (item is null || item.GetValueKind() != JsonValueKind.String) { Error(name, $"expected a string or an array of strings, got {Show(node)}"); return []; }
            list.Add(Expand(name, item.GetValue<string>()));
        }
        Set(name, new JsonArray(list.Select(s => (JsonNode?)s).ToArray()));
        return list;
    }

    // ------------------------------------------------------------------ paths

    private string? OptionalPath(string name)
    {
        JsonNode? node = Read(name);
        if (node is null) return null;
        if (node.GetValueKind() != JsonValueKind.String) { Error(name, $"expected a path (string), got {Show(node)}"); return null; }
        var (full, canonical) = ResolvePath(name, Expand(name, node.GetValue<string>()));
        Set(name, canonical, full);
        return full;
    }

    private IReadOnlyList<NamedPath> NamedPathList(string name, bool allowNames = true)
    {
        JsonNode? node = Read(name);
        if (node is null) return [];
        var list = new List<NamedPath>();
        var canonical = new JsonArray();
        var resolved = new JsonArray();
        foreach (JsonNode? item in Items(node))
        {
            if (item is null || item.GetValueKind() != JsonValueKind.String) { Error(name, $"expected a path or an array of paths, got {Show(node)}"); return []; }
            string value = Expand(name, item.GetValue<string>());
            string? label = null;
            int eq = value.IndexOf('=');
            if (allowNames && eq > 0 && value[..eq].IndexOfAny(['/', '\\', '@', '$']) < 0)
            {
                label = value[..eq];
                value = value[(eq + 1)..];
            }
            var (full, canon) = ResolvePath(name, value);
            string? reference = value.StartsWith('@') ? ReferenceName(value) : null;
            list.Add(new NamedPath(label, full, reference));
            canonical.Add(label is null ? canon : $"{label}={canon}");
            resolved.Add(label is null ? full : $"{label}={full}");
        }
        Set(name, canonical, resolved);
        return list;
    }

    private (long? Value, string? Reference) LongOrReference(string name)
    {
        JsonNode? node = Read(name);
        if (node is null) return (null, null);
        if (node.GetValueKind() == JsonValueKind.String && node.GetValue<string>().TrimStart().StartsWith('@'))
        {
            var (full, canonical) = ResolvePath(name, Expand(name, node.GetValue<string>().Trim()));
            Set(name, canonical, full);
            return (null, full);
        }
        return (OptionalLong(name), null);
    }

    private static string ReferenceName(string value)
    {
        string rest = value[1..];
        int slash = rest.IndexOfAny(['/', '\\']);
        return slash < 0 ? rest : rest[..slash];
    }

    private (string Full, string Canonical) ResolvePath(string option, string value)
    {
        if (value.Length == 0) { Error(option, "empty path"); return ("", ""); }
        if (value.StartsWith('@'))
        {
            string stage = ReferenceName(value);
            string sub = value[(1 + stage.Length)..].TrimStart('/', '\\');
            if (!_scope.StageIndex.TryGetValue(stage, out int index))
                Error(option, $"'{value}' refers to no stage named '{stage}'");
            else if (_scope.LeftOut.TryGetValue(stage, out string? variable))
                Error(option, $"'{value}' refers to stage '{stage}', which is left out because {variable} is set");
            else if (index == Index)
                Error(option, $"'{value}' refers to this stage itself");
            else if (index > Index)
                Error(option, $"'{value}' refers to stage '{stage}', which comes later in the file (a stage can only use the artifacts of earlier stages)");
            else if (!_dependencies.Contains(stage))
                _dependencies.Add(stage);
            string dir = _scope.ArtifactDirectory(stage);
            string full = sub.Length == 0 ? dir : System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, sub));
            return (full, sub.Length == 0 ? "@" + stage : $"@{stage}/{sub.Replace('\\', '/')}");
        }
        string path = value == "~" || value.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value.Length > 2 ? value[2..] : "")
            : value;
        string resolved = System.IO.Path.GetFullPath(path, _scope.BaseDirectory);
        _inputs.Add(new StageInput(option, resolved));
        string relative = System.IO.Path.GetRelativePath(_scope.BaseDirectory, resolved);
        bool inside = _scope.FileOnDisk && !relative.StartsWith("..", StringComparison.Ordinal) && !System.IO.Path.IsPathRooted(relative);
        return (resolved, inside ? relative.Replace('\\', '/') : resolved);
    }

    // ------------------------------------------------------------------ checks

    /// <summary>Keys of the stage object that no read asked for, with a suggestion when one is close to a known option.</summary>
    internal IEnumerable<string> UnknownOptions()
    {
        foreach (var (key, _) in _raw)
        {
            if (Reserved.Contains(key) || _read.Contains(key)) continue;
            if (key is "out" or "o" or "output")
            {
                yield return $"option '{key}': a stage writes to its own artifact dir (WORK/{Stage}); drop '{key}'";
                continue;
            }
            string? near = _read.Where(k => Distance(k, key) <= Math.Max(1, Math.Min(2, key.Length / 3))).OrderBy(k => Distance(k, key)).FirstOrDefault();
            yield return $"unknown option '{key}'" + (near is null ? $" (options of {Kind}: {string.Join(", ", _read.Order(StringComparer.Ordinal))})" : $" (did you mean " +
                $"'{near}'?)");
        }
    }

    /// <summary>A value of the wrong type, unless the value is only wrong because a variable in it was not set.</summary>
    private void TypeError(string name, string problem)
    {
        if (!_expansionFailed.Contains(name)) Error(name, problem);
    }

    private static IEnumerable<JsonNode?> Items(JsonNode node) => node as JsonArray ?? (IEnumerable<JsonNode?>)new[] { node };

    private void Set(string name, JsonNode? canonical, JsonNode? resolved = null)
    {
        _canonical[name] = canonical;
        _resolved[name] = resolved ?? canonical?.DeepClone();
    }

    private JsonNode? Read(string name)
    {
        _read.Add(name);
        return _raw[name];
    }

    private static string Show(JsonNode node)
    {
        string s = node.ToJsonString();
        return s.Length > 40 ? s[..37] + "..." : s;
    }

    private string Expand(string option, string value)
    {
        try
        {
            return EnvironmentExpansion.Expand(value, _scope.Environment);
        }
        catch (ArgumentException e)
        {
            Error(option, e.Message);
            _expansionFailed.Add(option);
            return value;
        }
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}

/// <summary>A path an option names outside the pipeline's work dir.</summary>
internal sealed record StageInput(string Option, string Path);

/// <summary>A <c>PATH</c> or <c>NAME=PATH</c> entry; <see cref="Reference"/> is the stage name for <c>@STAGE</c> paths.</summary>
internal sealed record NamedPath(string? Name, string Path, string? Reference);

/// <summary>What option reads need to know about the pipeline: where paths are relative to, the stages' order.</summary>
internal sealed class PipelineScope(string baseDirectory, string workDirectory, IReadOnlyDictionary<string, int> stageIndex, Func<string, string?> environment,
    IReadOnlyDictionary<string, string> leftOut, bool fileOnDisk, IReadOnlyList<KeyValuePair<string, string>>? variables = null)
{
    /// <summary>The file's declared variables with the values of this load, in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Variables { get; } = variables ?? [];
    /// <summary>Paths inside the file's dir are hashed relative to it (moving a checkout changes nothing). A built-in
    /// pipeline has no dir of its own (its base is the current dir), so its paths are hashed absolute: where lep is
    /// started from must not change a stage.</summary>
    public bool FileOnDisk { get; } = fileOnDisk;
    /// <summary>Stages left out by "unless-set" → the variable that was set.</summary>
    public IReadOnlyDictionary<string, string> LeftOut { get; } = leftOut;
    public string BaseDirectory { get; } = baseDirectory;
    public string WorkDirectory { get; } = workDirectory;
    public IReadOnlyDictionary<string, int> StageIndex { get; } = stageIndex;
    public Func<string, string?> Environment { get; } = environment;
    public string ArtifactDirectory(string stage) => System.IO.Path.Combine(WorkDirectory, stage);
}

/// <summary><c>${VAR}</c> and <c>${VAR:-default}</c> in strings; <c>$$</c> is a literal <c>$</c>; any other <c>$</c> stays.</summary>
internal static class EnvironmentExpansion
{
    public static string Expand(string value, Func<string, string?> environment)
    {
        if (!value.Contains('$')) return value;
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c != '$' || i + 1 >= value.Length) { sb.Append(c); continue; }
            if (value[i + 1] == '$') { sb.Append('$'); i++; continue; }
            if (value[i + 1] != '{') { sb.Append(c); continue; }
            int close = value.IndexOf('}', i + 2);
            if (close < 0) throw new ArgumentException($"unclosed '${{' in \"{value}\"");
            string body = value[(i + 2)..close];
            int dash = body.IndexOf(":-", StringComparison.Ordinal);
            string name = dash < 0 ? body : body[..dash];
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
                throw new ArgumentException($"'${{{body}}}' is not a valid variable name");
            string? v = environment(name);
            if (string.IsNullOrEmpty(v))
            {
                if (dash < 0) throw new ArgumentException($"environment variable {name} is not set");
                v = body[(dash + 2)..];
            }
            sb.Append(v);
            i = close;
        }
        return sb.ToString();
    }
}
