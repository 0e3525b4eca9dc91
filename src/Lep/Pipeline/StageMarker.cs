using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lep.Pipeline;

/// <summary>
/// ARTIFACT/stage.json: what produced a stage's artifact. Written with status "running" when the stage starts and
/// "done" when its artifact is complete. <see cref="RunId"/> is new for every fresh run, so a stage knows whether the
/// artifacts it read (<see cref="Inputs"/>: stage → run id) were replaced since.
/// </summary>
internal sealed record StageMarker
{
    public const string FileName = "stage.json";
    public const string Format = "lep-pipeline-stage/1";

    public required string Stage { get; init; }
    public required string Kind { get; init; }
    public required bool Done { get; init; }
    public required string RunId { get; init; }
    public required JsonObject Options { get; init; }
    public required string OptionsHash { get; init; }
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset? Finished { get; init; }
    public double? Seconds { get; init; }
    public string? Summary { get; init; }

    /// <summary>SHA-256 of the options hash and the inputs' run ids: equal fingerprints, same artifact.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        OptionsHash + "\n" + string.Join("\n", Inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")))));

    public static string NewRunId() => Guid.NewGuid().ToString("N")[..16];

    public static string PathIn(string artifactDirectory) => Path.Combine(artifactDirectory, FileName);

    /// <summary>The marker of a stage's artifact dir; null when absent, unreadable or another stage's.</summary>
    public static StageMarker? TryRead(string artifactDirectory, string stage)
    {
        string path = PathIn(artifactDirectory);
        if (!File.Exists(path)) return null;
        try
        {
            if (JsonNode.Parse(File.ReadAllBytes(path)) is not JsonObject o || o["format"]?.GetValue<string>() != Format) return null;
            if (o["stage"]?.GetValue<string>() != stage) return null;
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (o["inputs"] is JsonObject inObj)
                foreach (var (k, v) in inObj) inputs[k] = v?.GetValue<string>() ?? "";
            return new StageMarker
            {
                Stage = stage,
                Kind = o["kind"]?.GetValue<string>() ?? "",
                Done = o["status"]?.GetValue<string>() == "done",
                RunId = o["run_id"]?.GetValue<string>() ?? "",
                Options = o["options"] is JsonObject opts ? (JsonObject)opts.DeepClone() : [],
                OptionsHash = o["options_sha256"]?.GetValue<string>() ?? "",
                Inputs = inputs,
                Started = o["started"] is JsonNode s ? DateTimeOffset.Parse(s.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : default,
                Finished = o["finished"] is JsonNode f ? DateTimeOffset.Parse(f.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : null,
                Seconds = o["seconds"]?.GetValue<double>(),
                Summary = o["summary"]?.GetValue<string>(),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes the marker atomically (temp file + rename) into <paramref name="directory"/>.</summary>
    public void Write(string directory)
    {
        var o = new JsonObject
        {
            ["format"] = Format,
            ["stage"] = Stage,
            ["kind"] = Kind,
            ["status"] = Done ? "done" : "running",
            ["run_id"] = RunId,
            ["fingerprint"] = Fingerprint,
            ["options_sha256"] = OptionsHash,
            ["options"] = Options.DeepClone(),
            ["inputs"] = new JsonObject(Inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["started"] = Started.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (Finished is DateTimeOffset f) o["finished"] = f.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        if (Seconds is double sec) o["seconds"] = Math.Round(sec, 3);
        if (Summary is not null) o["summary"] = Summary;
        string path = PathIn(directory);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, o.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n", new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}
