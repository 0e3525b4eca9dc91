using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lep.Pipeline;

/// <summary>
/// A file's <c>"variables"</c> (defaults of the <c>${VAR}</c> it uses) and <c>"profiles"</c> (named sets that replace
/// some of them, e.g. the demo's smoke and full sizes). A variable's value is the environment's when set there, else
/// the chosen profile's, else the file's; a name no one sets falls to <c>${VAR:-default}</c> or is an error.
/// </summary>
internal sealed class PipelineVariables
{
    private static readonly Regex Name = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

    private readonly Func<string, string?> _environment;
    private readonly Dictionary<string, string> _file;

    private PipelineVariables(Func<string, string?> environment, Dictionary<string, string> file, IReadOnlyList<string> profiles)
    {
        _environment = environment;
        _file = file;
        Profiles = profiles;
    }

    public IReadOnlyList<string> Profiles { get; }

    /// <summary>The declared variables with the values a lookup gives.</summary>
    public IReadOnlyDictionary<string, string> Values => _file.ToDictionary(kv => kv.Key, kv => Lookup(kv.Key)!, StringComparer.Ordinal);

    public string? Lookup(string name) => _environment(name) is { Length: > 0 } value ? value : _file.GetValueOrDefault(name);

    /// <summary>Reads both sections; problems go to <paramref name="errors"/>.</summary>
    public static PipelineVariables Read(JsonObject root, string? profile, Func<string, string?> environment, List<string> errors)
    {
        var file = ReadSet(root["variables"], "'variables'", null, errors);
        var profiles = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (root["profiles"] is JsonNode p)
        {
            if (p is not JsonObject o) errors.Add("'profiles' must be an object {\"NAME\": {\"VAR\": value, ...}, ...}");
            else foreach (var (k, v) in o) profiles[k] = v;
        }
        foreach (var (name, set) in profiles)
        {
            var values = ReadSet(set, $"profile '{name}'", file, errors);
            if (name == profile)
                foreach (var (k, v) in values) file[k] = v;
        }
        if (profile is not null && !profiles.ContainsKey(profile))
            errors.Add(profiles.Count == 0 ? $"no profile '{profile}': the file defines no \"profiles\"" : $"no profile '{profile}' (profiles: " +
                $"{string.Join(", ", profiles.Keys)})");
        return new PipelineVariables(environment, file, profiles.Keys.ToList());
    }

    /// <param name="declared">for a profile: the file's variables (a profile may only set declared ones, so a typo in
    /// it is caught rather than silently ignored)</param>
    private static Dictionary<string, string> ReadSet(JsonNode? node, string where, Dictionary<string, string>? declared, List<string> errors)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null) return values;
        if (node is not JsonObject o)
        {
            errors.Add($"{where} must be an object {{\"NAME\": value, ...}}");
            return values;
        }
        foreach (var (key, value) in o)
        {
            if (!Name.IsMatch(key)) { errors.Add($"{where}: '{key}' is not a variable name (letters, digits, '_')"); continue; }
            if (declared is not null && !declared.ContainsKey(key)) { errors.Add($"{where}: '{key}' is not one of the file's \"variables\""); continue; }
            string? text = value?.GetValueKind() switch
            {
                JsonValueKind.String => value.GetValue<string>(),
                JsonValueKind.Number => value.ToJsonString(),
                JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
                _ => null,
            };
            if (text is null) errors.Add($"{where}: '{key}' must be a string, a number or true/false");
            else values[key] = text;
        }
        return values;
    }
}
