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
    public required string Model { get; init; }
    public required string Task { get; init; }
    public required TaskKind Kind { get; init; }
    public required string Format { get; init; }
    public required string Primary { get; init; }
    public required int N { get; init; }
    public required SortedDictionary<string, double> Metrics { get; init; }
    public double PrimarySum { get; init; }
    public JsonArray Items { get; init; } = [];
    public double Seconds { get; set; }

    /// <summary>Metric values are rounded to 8 significant decimals so tiny float noise never reaches results.json.</summary>
    public static double Round(double x) => double.IsFinite(x) ? Math.Round(x, 8) : x;

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
