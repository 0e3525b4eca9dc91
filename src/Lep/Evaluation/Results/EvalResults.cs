using System.Text.Json.Nodes;
using Lep.Evaluation.Running;
using Lep.Evaluation.Tasks;
using Lep.Formats.Checkpoint;
using Lep.Modeling;

namespace Lep.Evaluation.Results;

/// <param name="Backend">the engine that ran the model (<c>torch</c>, <c>llama.cpp q8_0</c>, ...)</param>
/// <summary>One model of a run, as results.json lists it.</summary>
/// <param name="Name">the display name</param>
/// <param name="Path">the model dir</param>
/// <param name="Prompt">how its prompts were rendered (chat or plain)</param>
/// <param name="VocabSize">its tokenizer's vocabulary size</param>
public sealed record ModelInfo(string Name, string Path, string Prompt, int VocabSize, string Backend);

/// <summary>One task of a run, as results.json lists it.</summary>
/// <param name="Name">the task's name (its file name without extension)</param>
/// <param name="Kind">how it is scored</param>
/// <param name="Format">the record layout it was read as</param>
/// <param name="File">the task file</param>
/// <param name="Sha256">the task file's digest</param>
/// <param name="Primary">the metric the summary shows</param>
/// <param name="Items">items in the file</param>
public sealed record TaskInfo(string Name, TaskKind Kind, string Format, string File, string Sha256, string Primary, int Items);

/// <summary>
/// Everything one <c>lep eval</c> run produced. <c>results.json</c> holds only deterministic content (same models,
/// suite and settings → byte-identical file); wall-clock numbers (speed, seconds per task) go to <c>speed.json</c>.
/// </summary>
public sealed class EvalResults
{
    /// <summary>The "format" value of results.json; changes when its layout does.</summary>
    public const string FormatTag = "lep-eval-results/1";

    /// <summary>The evaluation settings that affect results (<see cref="EvalOptions.ToJson"/>).</summary>
    public JsonObject Settings { get; init; } = [];
    /// <summary>The models evaluated, in the order given.</summary>
    public List<ModelInfo> Models { get; init; } = [];
    /// <summary>The tasks of the suite.</summary>
    public List<TaskInfo> Tasks { get; init; } = [];
    /// <summary>One result per (model, task).</summary>
    public List<TaskResult> Results { get; init; } = [];
    /// <summary>Generation speed per model (empty without the speed benchmark).</summary>
    public List<SpeedResult> Speed { get; init; } = [];

    /// <summary>The result of one model on one task, or null.</summary>
    public TaskResult? Find(string model, string task) => Results.FirstOrDefault(r => r.Model == model && r.Task == task);

    /// <summary>Mean per-item primary score over all scored (non-language-modelling) items of a model.</summary>
    public (double Score, int N) MicroAverage(string model)
    {
        var rs = Results.Where(r => r.Model == model && r.Kind != TaskKind.LanguageModeling).ToList();
        int n = rs.Sum(r => r.N);
        return (n == 0 ? double.NaN : rs.Sum(r => r.PrimarySum) / n, n);
    }

    /// <summary>Writes results.json and speed.json into <paramref name="outDir"/>.</summary>
    public void Save(string outDir)
    {
        var micro = new JsonObject();
        foreach (ModelInfo m in Models)
        {
            var (score, n) = MicroAverage(m.Name);
            micro[m.Name] = new JsonObject { ["score"] = double.IsNaN(score) ? null : TaskResult.Round(score), ["n"] = n };
        }
        var doc = new JsonObject
        {
            ["format"] = FormatTag,
            ["settings"] = Settings.DeepClone(),
            ["models"] = new JsonArray(Models.Select(m => (JsonNode)new JsonObject
            {
                ["name"] = m.Name, ["path"] = m.Path, ["prompt"] = m.Prompt, ["vocab_size"] = m.VocabSize, ["backend"] = m.Backend,
            }).ToArray()),
            ["tasks"] = new JsonArray(Tasks.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name, ["kind"] = t.Kind.ToString(), ["format"] = t.Format, ["file"] = t.File,
                ["sha256"] = t.Sha256, ["primary"] = t.Primary, ["items"] = t.Items,
            }).ToArray()),
            ["results"] = new JsonArray(Results.Select(r => (JsonNode)r.ToJson(withItems: false)).ToArray()),
            ["micro_average"] = micro,
        };
        JsonFile.Write(Path.Combine(outDir, "results.json"), doc);
        var speed = new JsonObject
        {
            ["note"] = "wall-clock measurements: not reproducible, kept apart from results.json",
            ["machine"] = $"{Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ["generation"] = new JsonArray(Speed.Select(s => (JsonNode)new JsonObject
            {
                ["model"] = s.Model, ["prompts"] = s.Prompts, ["new_tokens"] = s.NewTokens, ["chars"] = s.Characters,
                ["seconds"] = s.Seconds, ["tokens_per_s"] = s.TokensPerSecond, ["chars_per_s"] = s.CharsPerSecond,
                ["chars_per_token"] = s.CharsPerToken,
                ["chars_per_s_ratio"] = Speed.Count > 0 && Speed[0].CharsPerSecond > 0 ? s.CharsPerSecond / Speed[0].CharsPerSecond : null,
            }).ToArray()),
            ["task_seconds"] = new JsonArray(Results.Select(r => (JsonNode)new JsonObject
            {
                ["model"] = r.Model, ["task"] = r.Task, ["seconds"] = r.Seconds,
            }).ToArray()),
        };
        JsonFile.Write(Path.Combine(outDir, "speed.json"), speed);
    }

    /// <summary>Reads a results.json (or a directory holding one) and the speed.json beside it, if any.</summary>
    public static EvalResults Load(string fileOrDir)
    {
        string path = Directory.Exists(fileOrDir) ? Path.Combine(fileOrDir, "results.json") : fileOrDir;
        JsonObject doc = JsonFile.ReadObject(path);
        if (doc.GetString("format") != FormatTag) throw new LepInputException(path, $"not a lep eval results file (format is not '{FormatTag}')");
        try
        {
            var results = new EvalResults
            {
                Settings = doc["settings"] as JsonObject is JsonObject s ? (JsonObject)s.DeepClone() : [],
                Models = doc["models"]!.AsArray().Select(m => new ModelInfo(m!["name"]!.GetValue<string>(), m["path"]!.GetValue<string>(),
                    m["prompt"]!.GetValue<string>(), m["vocab_size"]!.GetValue<int>(),
                    m["backend"]?.GetValue<string>() ?? doc["settings"]?["backend"]?.GetValue<string>() ?? InferenceBackend.TorchName)).ToList(),
                Tasks = doc["tasks"]!.AsArray().Select(t => new TaskInfo(t!["name"]!.GetValue<string>(), Enum.Parse<TaskKind>(t["kind"]!.GetValue<string>()),
                    t["format"]!.GetValue<string>(), t["file"]!.GetValue<string>(), t["sha256"]!.GetValue<string>(),
                    t["primary"]!.GetValue<string>(), t["items"]!.GetValue<int>())).ToList(),
                Results = doc["results"]!.AsArray().Select(r => TaskResult.FromJson(r!.AsObject(), path)).ToList(),
            };
            string speedPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "speed.json");
            if (File.Exists(speedPath))
            {
                JsonObject speed = JsonFile.ReadObject(speedPath);
                foreach (JsonNode? g in speed["generation"]?.AsArray() ?? [])
                {
                    results.Speed.Add(new SpeedResult(g!["model"]!.GetValue<string>(), g["prompts"]!.GetValue<int>(), g["new_tokens"]!.GetValue<int>(),
                        g["chars"]!.GetValue<int>(), g["seconds"]!.GetValue<double>()));
                }
                var seconds = (speed["task_seconds"]?.AsArray() ?? []).ToDictionary(
                    t => (t!["model"]!.GetValue<string>(), t["task"]!.GetValue<string>()), t => t!["seconds"]!.GetValue<double>());
                foreach (TaskResult r in results.Results) r.Seconds = seconds.GetValueOrDefault((r.Model, r.Task));
            }
            return results;
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new LepInputException(path, $"malformed results file ({e.Message})");
        }
    }

    /// <summary>Several runs side by side: models in order of appearance (a repeated name gets a " (2)" suffix), tasks united.</summary>
    public static EvalResults Merge(IReadOnlyList<EvalResults> runs)
    {
        if (runs.Count == 1) return runs[0];
        var merged = new EvalResults { Settings = runs[0].Settings.DeepClone().AsObject() };
        var seen = new HashSet<string>();
        foreach (EvalResults run in runs)
        {
            var rename = new Dictionary<string, string>();
            foreach (ModelInfo m in run.Models)
            {
                string name = m.Name;
                for (int k = 2; !seen.Add(name); k++) name = $"{m.Name} ({k})";
                rename[m.Name] = name;
                merged.Models.Add(m with { Name = name });
            }
            foreach (TaskInfo t in run.Tasks)
                if (!merged.Tasks.Any(x => x.Name == t.Name)) merged.Tasks.Add(t);
            foreach (TaskResult r in run.Results)
            {
                var copy = TaskResult.FromJson(r.ToJson(withItems: true), "merge");
                merged.Results.Add(new TaskResult
                {
                    Model = rename.GetValueOrDefault(r.Model, r.Model), Task = copy.Task, Kind = copy.Kind, Format = copy.Format,
                    Primary = copy.Primary, N = copy.N, Metrics = copy.Metrics, PrimarySum = copy.PrimarySum, Seconds = r.Seconds,
                });
            }
            foreach (SpeedResult s in run.Speed) merged.Speed.Add(s with { Model = rename.GetValueOrDefault(s.Model, s.Model) });
        }
        return merged;
    }
}
