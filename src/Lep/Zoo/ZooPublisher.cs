using System.Globalization;
using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Evaluation.Results;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Training;

namespace Lep.Zoo;

/// <summary>What the zoo's publish step reads: the trained pair, its evaluation and diagnostics, and how it was built.</summary>
internal sealed record ZooPublication
{
    public required string Corpus { get; init; }
    public required string Base { get; init; }
    public required string Instruct { get; init; }
    /// <summary>A dir with the pair's results.json and report.md.</summary>
    public required string Eval { get; init; }
    /// <summary>A dir with diagnostics.json (`lep diagnose`'s report).</summary>
    public required string Diagnostics { get; init; }
    /// <summary>Held-out documents per language the character-unigram baselines are measured on (the eval's items).</summary>
    public required int EvalItems { get; init; }
    /// <summary>The recipe (written as recipe.json and into the manifest).</summary>
    public required JsonObject Recipe { get; init; }
    public required string BuiltBy { get; init; }
    public IReadOnlyList<(string Stage, double Seconds)> StageSeconds { get; init; } = [];
}

/// <summary>
/// The zoo as shipped (assets/zoo): both models as bf16 HF dirs, their training curves and loss plots, the eval report,
/// recipe.json, and manifest.json (files with sizes and hashes, scores, baselines, pair diagnostics, stage seconds).
/// </summary>
internal static class ZooPublisher
{
    public static JsonObject Publish(ZooPublication p, string output)
    {
        var models = new JsonObject();
        foreach (var (name, source) in new[] { (ZooModels.BaseName, p.Base), (ZooModels.InstructName, p.Instruct) })
        {
            string dir = Path.Combine(output, name);
            using (var lm = LlamaForCausalLM.Load(source)) lm.Save(dir, DType.BF16);
            ModelDirectory.CopyCompanionFiles(source, dir);
            var files = new JsonObject();
            foreach (string f in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
                files[Path.GetFileName(f)] = new JsonObject { ["bytes"] = new FileInfo(f).Length, ["sha256"] = FileHash.Sha256(f) };
            models[name] = new JsonObject
            {
                ["parameters"] = ModelSummary.Inspect(dir).ParameterCount,
                ["files"] = files,
                ["training_metrics"] = $"{name}.metrics.jsonl",
                ["training_loss_plot"] = $"{name}.loss.png",
                ["training_seconds"] = TrainingSeconds(source),
            };
            File.Copy(Path.Combine(source, "metrics.jsonl"), Path.Combine(output, $"{name}.metrics.jsonl"));
            LossCurve.Render(Path.Combine(source, "metrics.jsonl"), Path.Combine(output, $"{name}.loss.png"), $"{name}: training loss");
        }
        File.Copy(Path.Combine(p.Eval, "results.json"), Path.Combine(output, "eval-results.json"));
        File.Copy(Path.Combine(p.Eval, "report.md"), Path.Combine(output, "eval-report.md"));
        JsonFile.Write(Path.Combine(output, "recipe.json"), p.Recipe);
        string dataManifest = Path.Combine(p.Corpus, "manifest.json");
        var manifest = new JsonObject
        {
            ["recipe"] = p.Recipe.DeepClone(),
            ["models"] = models,
            ["data"] = File.Exists(dataManifest)
                ? new JsonObject
                {
                    ["manifest_sha256"] = FileHash.Sha256(dataManifest),
                    ["outputs"] = JsonNode.Parse(File.ReadAllText(dataManifest))?["outputs"]?.DeepClone(),
                }
                : null,
            ["stage_seconds"] = new JsonObject(p.StageSeconds.Select(s => KeyValuePair.Create(s.Stage, (JsonNode?)Math.Round(s.Seconds, 1)))),
            ["scores"] = Scores(EvalResults.Load(p.Eval)),
            ["baselines"] = Baselines(p.Corpus, p.EvalItems),
            ["pair"] = JsonNode.Parse(File.ReadAllText(Path.Combine(p.Diagnostics, "diagnostics.json"))),
            ["built_by"] = p.BuiltBy,
        };
        JsonFile.Write(Path.Combine(output, "manifest.json"), manifest);
        return manifest;
    }

    /// <summary>Pipeline variables as recipe values: numbers and true/false typed, the rest strings.</summary>
    public static JsonObject Recipe(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var recipe = new JsonObject();
        foreach (var (name, value) in variables)
            recipe[name] = value switch
            {
                "true" => true,
                "false" => false,
                _ when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => l,
                _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) => d,
                _ => value,
            };
        return recipe;
    }

    /// <summary>Wall time of a training run, summed over resumed pieces (its last checkpoint's clock).</summary>
    private static double? TrainingSeconds(string modelDir)
    {
        string state = Path.Combine(TrainingCheckpoint.PathIn(TrainingJob.RunDirectoryFor(modelDir)), "state.json");
        return File.Exists(state) ? Math.Round(JsonFile.ReadObject(state)["ElapsedSeconds"]!.GetValue<double>(), 1) : null;
    }

    /// <summary>Bits/char of a character unigram model on the same held-out documents the base is scored on.</summary>
    private static JsonObject Baselines(string corpus, int items)
    {
        var baselines = new JsonObject();
        foreach (string lang in new[] { "en", "ru" })
        {
            var heldout = DocumentReader.Read(Path.Combine(corpus, $"{lang}_heldout.txt")).Take(items);
            double bpc = Evaluation.Metrics.CharacterUnigramBaseline.BitsPerChar(Path.Combine(corpus, $"{lang}_train.txt"), heldout);
            baselines[$"heldout_{lang}"] = new JsonObject { ["character_unigram_bits_per_char"] = TaskResult.Round(bpc) };
        }
        return baselines;
    }

    private static JsonObject Scores(EvalResults results)
    {
        var scores = new JsonObject();
        foreach (TaskResult r in results.Results.OrderBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Task, StringComparer.Ordinal))
        {
            var metrics = new JsonObject { ["n"] = r.N };
            foreach (var (k, v) in r.Metrics) metrics[k] = TaskResult.Round(v);
            (scores[r.Model] ??= new JsonObject()).AsObject()[r.Task] = metrics;
        }
        return scores;
    }
}
