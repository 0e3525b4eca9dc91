using System.Text.Json.Nodes;
using Lep.Evaluation.Tasks;

namespace Lep.Evaluation.Results;

/// <summary>
/// One model on one task. <see cref="Metrics"/> are deterministic (scores in [0, 1], chrF included; bits; counts);
/// <see cref="PrimarySum"/> / <see cref="N"/> is the mean per-item primary score, used for the micro-average across tasks.
/// <see cref="Items"/> holds per-item predictions; <see cref="Seconds"/> is wall time (kept out of results.json).
/// </summary>
public sealed class TaskResult
{
    /// <summary>The model's display name.</summary>
    public required string Model { get; init; }
    /// <summary>The task's name.</summary>
    public required string Task { get; init; }
    /// <summary>How the task is scored.</summary>
    public required TaskKind Kind { get; init; }
    /// <summary>The record layout the task was read as.</summary>
    public required string Format { get; init; }
    /// <summary>The metric the summary shows.</summary>
    public required string Primary { get; init; }
    /// <summary>Items scored.</summary>
    public required int N { get; init; }
    /// <summary>Metric name → value (scores, bits, counts, confidence bounds).</summary>
    public required SortedDictionary<string, double> Metrics { get; init; }
    /// <summary>Sum of the per-item primary scores.</summary>
    public double PrimarySum { get; init; }
    /// <summary>Per-item predictions and scores.</summary>
    public JsonArray Items { get; init; } = [];
    /// <summary>Wall time of the task (speed.json, never results.json).</summary>
    public double Seconds { get; set; }

    /// <summary>Metric values are rounded to 8 significant decimals so tiny float noise never reaches results.json.</summary>
    public static double Round(double x) => double.IsFinite(x) ? Math.Round(x, 8) : x;

    /// <summary>The result as results.json (without items) or the run cache (with them) stores it.</summary>
    public JsonObject ToJson(bool withItems)
    {
        var metrics = new JsonObject();
        foreach (var (k, v) in Metrics) metrics[k] = Round(v);
        var o = new JsonObject
        {
            ["model"] = Model,
            ["task"] = Task,
            ["kind"] = Kind.ToString(),
            ["format"] = Format,
            ["primary"] = Primary,
            ["n"] = N,
            ["primary_sum"] = Round(PrimarySum),
            ["metrics"] = metrics,
        };
        if (withItems)
        {
            o["seconds"] = Seconds;
            o["items"] = Items.DeepClone();
        }
        return o;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; <paramref name="where"/> names the file in errors.</summary>
    public static TaskResult FromJson(JsonObject o, string where)
    {
        try
        {
            var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var (k, v) in o["metrics"]!.AsObject()) metrics[k] = v!.GetValue<double>();
            return new TaskResult
            {
                Model = o["model"]!.GetValue<string>(),
                Task = o["task"]!.GetValue<string>(),
                Kind = Enum.Parse<TaskKind>(o["kind"]!.GetValue<string>()),
                Format = o["format"]!.GetValue<string>(),
                Primary = o["primary"]!.GetValue<string>(),
                N = o["n"]!.GetValue<int>(),
                PrimarySum = o["primary_sum"]?.GetValue<double>() ?? 0,
                Metrics = metrics,
                Items = o["items"] as JsonArray is JsonArray a ? (JsonArray)a.DeepClone() : [],
                Seconds = o["seconds"]?.GetValue<double>() ?? 0,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new LepInputException(where, $"not a task result ({e.Message})");
        }
    }
}
