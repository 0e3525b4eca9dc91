using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lep.Pipeline;

/// <summary>How a pipeline file is loaded: where variables come from, the work dir and the profile.</summary>
public sealed record PipelineLoadOptions
{
    /// <summary>Where <c>${VAR}</c> values come from (default: the process environment).</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>The stage kinds the file may use (default: <see cref="StageKindRegistry.Default"/>).</summary>
    internal StageKindRegistry? Kinds { get; init; }

    /// <summary>Overrides the file's "work".</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>One of the file's "profiles": its values replace the file's "variables" (the environment still wins).</summary>
    public string? Profile { get; init; }
}

/// <summary>One stage of a loaded pipeline: its kind, resolved options, fingerprint, inputs and the bound action.</summary>
internal sealed class PipelineStage
{
    public required string Name { get; init; }
    public required StageKind Kind { get; init; }
    public required int Index { get; init; }
    /// <summary>The stage's "description", if any.</summary>
    public string? Description { get; init; }
    public required string ArtifactDirectory { get; init; }
    /// <summary>The given options, canonical (see <see cref="StageOptions.Canonical"/>).</summary>
    public required JsonObject Options { get; init; }
    /// <summary>The options as the stage uses them (absolute paths).</summary>
    public required JsonObject ResolvedOptions { get; init; }
    /// <summary>SHA-256 of the kind and the canonical options (keys sorted).</summary>
    public required string OptionsHash { get; init; }
    /// <summary>Earlier stages whose artifacts this stage reads.</summary>
    public required IReadOnlyList<string> Dependencies { get; init; }
    public required IReadOnlyList<StageInput> ExternalInputs { get; init; }
    /// <summary>Compute devices other than cpu the stage asks for (option, device).</summary>
    public IReadOnlyList<StageInput> Devices { get; init; } = [];
    public required StageAction Action { get; init; }
}

/// <summary>
/// A pipeline file, loaded and validated: <c>{"work": DIR, "stages": [{"name", "kind", ...options}, ...]}</c>
/// (docs/pipeline.md). Every problem (unknown kind or option, bad value, a reference to a later or unknown stage, an
/// unset environment variable) is reported at load, together, before anything runs. Input paths outside the work dir
/// are not checked here (see <see cref="PipelinePlan"/>), so a file can be validated on a machine without its models.
/// </summary>
public sealed class PipelineDefinition
{
    private static readonly Regex StageName = new("^[A-Za-z0-9][A-Za-z0-9_-]*$", RegexOptions.CultureInvariant);
    private static readonly string[] TopLevelKeys = ["description", "work", "variables", "profiles", "stages"];

    /// <summary>The stage key that leaves a stage out when the variable it names is set (e.g. a corpus stage when the
    /// corpus is given).</summary>
    public const string UnlessSetKey = "unless-set";

    /// <summary>The path as given (used in messages).</summary>
    public required string FilePath { get; init; }
    /// <summary>The directory relative paths in the file are resolved against (the file's own).</summary>
    public required string BaseDirectory { get; init; }
    /// <summary>Where the stages' artifact dirs live.</summary>
    public required string WorkDirectory { get; init; }
    /// <summary>The file's "description", if any.</summary>
    public string? Description { get; init; }
    internal IReadOnlyList<PipelineStage> Stages { get; init; } = [];
    /// <summary>The file's "variables" with the values this load used (environment, then profile, then the file's).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
    /// <summary>The names of the file's "profiles".</summary>
    public IReadOnlyList<string> Profiles { get; init; } = [];
    /// <summary>Stages left out by <see cref="UnlessSetKey"/> (with the variable that was set).</summary>
    public IReadOnlyDictionary<string, string> LeftOut { get; init; } = new Dictionary<string, string>();

    internal PipelineStage? Find(string name) => Stages.FirstOrDefault(s => s.Name == name);

    /// <summary>FILE's directory / FILE's name without extension + ".work".</summary>
    public static string DefaultWorkDirectory(string file) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, Path.GetFileNameWithoutExtension(file) + ".work");

    /// <summary>Reads and validates a pipeline file, reporting every problem at once as a <see
    /// cref="LepInputException"/>.</summary>
    public static PipelineDefinition Load(string path, PipelineLoadOptions? options = null)
    {
        if (!File.Exists(path))
            throw new LepInputException(path, Directory.Exists(path) ? "is a directory, not a pipeline file" : $"pipeline file not found (built-in pipelines: " +
                $"{string.Join(", ", BuiltInPipelines.Names)})");
        return Parse(File.ReadAllText(path), path, options);
    }

    /// <param name="path">the file the text came from: paths in it are relative to its directory</param>
    /// <summary>Parses and validates pipeline JSON; <paramref name="path"/> names it in errors and anchors its
    /// relative paths.</summary>
    public static PipelineDefinition Parse(string json, string path, PipelineLoadOptions? options = null) => Parse(json, path, options, fileOnDisk: true);

    /// <param name="fileOnDisk">false for a built-in pipeline: <paramref name="path"/> is its name, paths in it are
    /// relative to the current dir and hashed absolute</param>
    internal static PipelineDefinition Parse(string json, string path, PipelineLoadOptions? options, bool fileOnDisk)
    {
        options ??= new PipelineLoadOptions();
        StageKindRegistry kinds = options.Kinds ?? StageKindRegistry.Default;
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;

        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new LepInputException(path, "top level must be a JSON object {\"work\": ..., \"stages\": [...]}");
            _ = root.Count; // materialises the object (duplicate keys throw here)
        }
        catch (JsonException e)
        {
            throw new LepInputException(path, "invalid JSON: " + e.Message.Split('\n')[0], e);
        }
        catch (ArgumentException e)
        {
            throw new LepInputException(path, "invalid JSON: " + e.Message, e);
        }

        var errors = new List<string>();
        foreach (var (key, _) in root)
            if (!TopLevelKeys.Contains(key)) errors.Add($"unknown top-level key '{key}' (expected {string.Join(", ", TopLevelKeys)})");
        PipelineVariables variables = PipelineVariables.Read(root, options.Profile, options.Environment ?? Environment.GetEnvironmentVariable, errors);
        Func<string, string?> env = variables.Lookup;

        string work = options.WorkDirectory is string w ? Path.GetFullPath(w) : DefaultWorkDirectory(path);
        if (options.WorkDirectory is null && root["work"] is JsonNode workNode)
        {
            if (workNode.GetValueKind() != JsonValueKind.String) errors.Add("'work' must be a path (string)");
            else
            {
                try
                {
                    work = Path.GetFullPath(EnvironmentExpansion.Expand(workNode.GetValue<string>(), env), baseDir);
                }
                catch (ArgumentException e)
                {
                    errors.Add($"'work': {e.Message}");
                }
            }
        }
        string? description = root["description"] is JsonNode d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : null;

        if (root["stages"] is not JsonArray stageArray || stageArray.Count == 0)
        {
            errors.Add("'stages' must be a non-empty array of stage objects");
            throw Fail(path, errors);
        }

        // First pass: names (references may only point back, but an unknown name deserves its own message).
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var leftOut = new Dictionary<string, string>(StringComparer.Ordinal);
        var objects = new List<(JsonObject Obj, string Name, string Where)>();
        for (int i = 0; i < stageArray.Count; i++)
        {
            if (stageArray[i] is not JsonObject obj)
            {
                errors.Add($"stage #{i + 1}: must be an object {{\"name\": ..., \"kind\": ..., ...options}}");
                continue;
            }
            string? name = obj["name"] is JsonNode n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null;
            if (name is null) { errors.Add($"stage #{i + 1}: missing \"name\" (a string)"); continue; }
            if (!StageName.IsMatch(name)) { errors.Add($"stage #{i + 1}: name '{name}' must be letters, digits, '-' or '_' (it names a directory)"); continue; }
            if (!index.TryAdd(name, i)) { errors.Add($"stage '{name}': the name is used twice"); continue; }
            if (obj[UnlessSetKey] is JsonNode unless)
            {
                if (unless.GetValueKind() != JsonValueKind.String) { errors.Add($"stage '{name}': '{UnlessSetKey}' must be a variable name (string)"); continue; }
                if (!string.IsNullOrEmpty(env(unless.GetValue<string>()))) { leftOut[name] = unless.GetValue<string>(); continue; }
            }
            objects.Add((obj, name, $"stage '{name}'"));
        }

        var scope = new PipelineScope(baseDir, work, index, env, leftOut, fileOnDisk, variables.Values.ToList());
        var stages = new List<PipelineStage>();
        for (int i = 0; i < objects.Count; i++)
        {
            var (obj, name, where) = objects[i];
            int position = index[name];
            string? kindName = obj["kind"] is JsonNode k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
            if (kindName is null) { errors.Add($"{where}: missing \"kind\" (one of {KnownKinds(kinds)})"); continue; }
            StageKind? kind = kinds.Find(kindName);
            if (kind is null) { errors.Add($"{where}: unknown kind '{kindName}' (known: {KnownKinds(kinds)})"); continue; }

            var stageOptions = new StageOptions(scope, name, kindName, position, obj);
            StageAction action;
            try
            {
                action = kind.Bind(stageOptions);
            }
            catch (StageOptionException e)
            {
                errors.Add($"{where}: {e.Message}");
                continue;
            }
            var unknown = stageOptions.UnknownOptions().ToList();
            errors.AddRange((unknown.Count > 0 ? unknown.Concat(stageOptions.ValueErrors) : stageOptions.Errors).Select(e => $"{where}: {e}"));
            if (unknown.Count > 0 || stageOptions.Errors.Count > 0) continue;
            stages.Add(new PipelineStage
            {
                Name = name, Kind = kind, Index = position, ArtifactDirectory = scope.ArtifactDirectory(name),
                Description = obj["description"] is JsonNode sd && sd.GetValueKind() == JsonValueKind.String ? sd.GetValue<string>() : null,
                Options = stageOptions.Canonical, ResolvedOptions = stageOptions.Resolved, OptionsHash = HashOptions(kindName, stageOptions.Fingerprinted),
                Dependencies = stageOptions.Dependencies, ExternalInputs = stageOptions.ExternalInputs, Devices = stageOptions.Devices, Action = action,
            });
        }
        if (errors.Count > 0) throw Fail(path, errors);
        return new PipelineDefinition
        {
            FilePath = path, BaseDirectory = baseDir, WorkDirectory = work, Description = description, Stages = stages,
            Variables = variables.Values, Profiles = variables.Profiles, LeftOut = leftOut,
        };
    }

    private static string KnownKinds(StageKindRegistry kinds) => string.Join(", ", kinds.Kinds.Select(k => k.Name));

    /// <summary>All problems as one exception: the CLI prints "error: FILE: problem" per line.</summary>
    internal static LepInputException Fail(string path, IReadOnlyList<string> errors) =>
        new(path, string.Join($"\nerror: {path}: ", errors));

    /// <summary>The fingerprint of a stage: SHA-256 of its kind and its options with keys sorted.</summary>
    public static string HashOptions(string kind, JsonObject options)
    {
        string canonical = Sorted(options)!.ToJsonString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{canonical}")));
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}

/// <summary>Thrown by <see cref="StageKind.Bind"/> when an option makes the rest of the stage unreadable (e.g. the
/// tokenizer stage's "op" decides which options exist).</summary>
internal sealed class StageOptionException(string message) : Exception(message);
