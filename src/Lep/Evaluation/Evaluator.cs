using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Lep.Evaluation.Prompts;
using Lep.Evaluation.Report;
using Lep.Evaluation.Results;
using Lep.Evaluation.Running;
using Lep.Evaluation.Tasks;
using Lep.Formats.Checkpoint;
using static TorchSharp.torch;

namespace Lep.Evaluation;

/// <summary>
/// Runs every model on every task and writes OUT/results.json, speed.json, report.md and plots/*.png. Resumable: each
/// finished (model, task) is kept in OUT/runs/MODEL/TASK.json with a fingerprint of the model files, the task file and
/// the settings; a re-run reuses every result whose fingerprint still matches and loads a model only if it has work left.
/// </summary>
public sealed class Evaluator(EvalOptions options, IJobUi? ui = null)
{
    private readonly IJobUi _ui = ui ?? SilentUi.Instance;

    /// <summary>An earlier run's output dir (its results or run cache), which a run may continue.</summary>
    public static bool IsOutputDirectory(string dir) =>
        Directory.Exists(Path.Combine(dir, "runs")) || File.Exists(Path.Combine(dir, "results.json"));

    /// <param name="models">(display name, directory) pairs</param>
    /// <summary>Scores every model on every task (reusing cached results whose fingerprint matches) and writes the
    /// reports into <paramref name="outDir"/>.</summary>
    public EvalResults Run(IReadOnlyList<(string Name, string Dir)> models, IReadOnlyList<EvalTask> tasks, string outDir, Device device)
    {
        options.Validate();
        if (models.Count == 0) throw new ArgumentException("no models to evaluate");
        foreach (var (_, dir) in models) EvalModel.Validate(dir);
        // Dirs are made when the first result is written into them: a run that fails or is interrupted before any
        // result leaves no empty OUT/runs/NAME/ behind.
        var results = new EvalResults
        {
            Settings = options.ToJson(),
            Tasks = tasks.Select(t => new TaskInfo(t.Name, t.Kind, t.Format, t.SourcePath, t.Sha256, t.Primary, t.Split(options.Shots, options.Limit).Scored.Count)).ToList(),
        };
        List<string> speedPrompts = options.Speed ? SpeedPrompts(tasks) : [];
        foreach (var (name, dir) in models)
        {
            string prompt = PromptFormatters.ForModel(dir, options.Prompt).Name;
            int vocab = JsonFile.ReadObject(Path.Combine(dir, "config.json")).GetInt("vocab_size") ?? 0;
            results.Models.Add(new ModelInfo(name, dir, prompt, vocab, options.Backend.Name));
            string modelFingerprint = ModelFingerprint(dir);
            string runDir = Path.Combine(outDir, "runs", SafeName(name));
            EvalModel? model = null;
            try
            {
                foreach (EvalTask task in tasks)
                {
                    string fingerprint = Hash($"{name}|{modelFingerprint}|{task.Sha256}|{task.Name}|{task.Format}|{options.ToJson().ToJsonString()}");
                    string cachePath = Path.Combine(runDir, SafeName(task.Name) + ".json");
                    TaskResult? cached = ReadCache(cachePath, fingerprint);
                    if (cached is not null)
                    {
                        _ui.Note($"{name} / {task.Name}: cached");
                        results.Results.Add(cached);
                        continue;
                    }
                    model ??= Load(name, dir, device);
                    var (shots, scored) = task.Split(options.Shots, options.Limit);
                    Formats.FaultPoint.Hold(Formats.FaultPoint.EvalTask);
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    TaskResult result = _ui.Step($"{name} / {task.Name} ({scored.Count})", p => task.Kind switch
                    {
                        TaskKind.MultipleChoice => MultipleChoiceRunner.Run(model, task, shots, scored, options.BatchSize, p),
                        TaskKind.Generation => GenerationRunner.Run(model, task, shots, scored, options.MaxNewTokens, p),
                        _ => LanguageModelingRunner.Run(model, task, scored, options.BatchSize, p),
                    });
                    result.Seconds = watch.Elapsed.TotalSeconds;
                    WriteCache(cachePath, fingerprint, result);
                    results.Results.Add(result);
                }
                if (options.Speed && speedPrompts.Count > 0)
                {
                    string fingerprint = Hash($"{modelFingerprint}|speed|{string.Join('\u0001', speedPrompts)}|{options.SpeedTokens}|{options.Prompt}|{options.Backend.Name}");
                    string cachePath = Path.Combine(runDir, "_speed.json");
                    SpeedResult? speed = ReadSpeedCache(cachePath, fingerprint);
                    if (speed is null)
                    {
                        model ??= Load(name, dir, device);
                        speed = _ui.Step($"{name} / generation speed", p => SpeedBenchmark.Run(model, speedPrompts, options.SpeedTokens, p));
                        WriteSpeedCache(cachePath, fingerprint, speed);
                    }
                    else _ui.Note($"{name} / speed: cached");
                    results.Speed.Add(speed with { Model = name });
                }
            }
            finally
            {
                model?.Dispose();
            }
        }
        Directory.CreateDirectory(outDir);
        results.Save(outDir);
        ReportWriter.Write(results, outDir);
        return results;
    }

    private EvalModel Load(string name, string dir, Device device)
    {
        var notes = new List<string>();
        EvalModel model = _ui.Step($"loading {name} ({options.Backend.Name})", p => EvalModel.Load(name, dir, device, options.Prompt, options.Backend, p, notes.Add));
        foreach (string note in notes) _ui.Note(note);
        return model;
    }

    /// <summary>The same prompts for every model: the first generation prompts of the suite, else multiple-choice
    /// prompts, else the first 200 characters of documents.</summary>
    public List<string> SpeedPrompts(IReadOnlyList<EvalTask> tasks)
    {
        if (options.SpeedTask is string first) tasks = tasks.OrderBy(t => t.Name == first ? 0 : 1).ToList();
        IEnumerable<string> gen = tasks.SelectMany(t => t.Items.OfType<GenerationItem>()).Select(i => i.Prompt);
        IEnumerable<string> mc = tasks.SelectMany(t => t.Items.OfType<ChoiceItem>()).Select(i => i.Prompt);
        IEnumerable<string> docs = tasks.SelectMany(t => t.Items.OfType<DocumentItem>()).Select(d => new string(d.Text.Take(200).ToArray()));
        return gen.Concat(mc).Concat(docs).Take(options.SpeedPrompts).ToList();
    }

    /// <summary>A model or task name as a file name: characters other than ASCII letters, digits, - _ . become
    /// _.</summary>
    public static string SafeName(string name)
    {
        var sb = new StringBuilder();
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.Length == 0 ? "_" : sb.ToString();
    }

    /// <summary>config.json, tokenizer files and weight file names/sizes/modification times.</summary>
    public static string ModelFingerprint(string dir)
    {
        var sb = new StringBuilder();
        foreach (string f in new[] { "config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "chat_template.jinja" })
        {
            string p = Path.Combine(dir, f);
            if (File.Exists(p)) sb.Append(f).Append(':').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))).Append('|');
        }
        foreach (string f in Directory.EnumerateFiles(dir, "*.safetensors").Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(f);
            sb.Append(info.Name).Append(':').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks).Append('|');
        }
        return Hash(sb.ToString());
    }

    private static string Hash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private static TaskResult? ReadCache(string path, string fingerprint)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (o is null || o["fingerprint"]?.GetValue<string>() != fingerprint) return null;
            return TaskResult.FromJson(o["result"]!.AsObject(), path);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or LepInputException or InvalidOperationException)
        {
            return null;
        }
    }

    private static void WriteCache(string path, string fingerprint, TaskResult result)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        JsonFile.Write(path, new JsonObject { ["fingerprint"] = fingerprint, ["result"] = result.ToJson(withItems: true) });
    }

    private static SpeedResult? ReadSpeedCache(string path, string fingerprint)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (o is null || o["fingerprint"]?.GetValue<string>() != fingerprint) return null;
            return new SpeedResult(o["model"]!.GetValue<string>(), o["prompts"]!.GetValue<int>(), o["new_tokens"]!.GetValue<int>(),
                o["chars"]!.GetValue<int>(), o["seconds"]!.GetValue<double>());
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            return null;
        }
    }

    private static void WriteSpeedCache(string path, string fingerprint, SpeedResult s)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        JsonFile.Write(path, new JsonObject
        {
            ["fingerprint"] = fingerprint, ["model"] = s.Model, ["prompts"] = s.Prompts, ["new_tokens"] = s.NewTokens,
            ["chars"] = s.Characters, ["seconds"] = s.Seconds,
        });
    }
}
