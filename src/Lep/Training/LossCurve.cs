using System.Text.Json;
using ScottPlot;

namespace Lep.Training;

/// <summary>The loss curve of a run as a PNG: training loss per step (light) with its moving average, and the
/// validation loss at each evaluation, read from metrics.jsonl.</summary>
internal static class LossCurve
{
    public static string? Render(string metricsPath, string pngPath, string title)
    {
        var steps = new List<double>();
        var losses = new List<double>();
        var valSteps = new List<double>();
        var valLosses = new List<double>();
        foreach (string line in File.ReadLines(metricsPath))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            JsonElement r = doc.RootElement;
            if (!r.TryGetProperty("step", out JsonElement step) || !r.TryGetProperty("loss", out JsonElement loss)) continue;
            steps.Add(step.GetDouble());
            losses.Add(loss.GetDouble());
            if (r.TryGetProperty("val_loss", out JsonElement val) && val.ValueKind == JsonValueKind.Number)
            {
                valSteps.Add(step.GetDouble());
                valLosses.Add(val.GetDouble());
            }
        }
        if (steps.Count == 0) return null;

        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var raw = plot.Add.ScatterLine(steps.ToArray(), losses.ToArray());
        raw.Color = Colors.SteelBlue.WithAlpha(0.3);
        raw.LegendText = "training loss";
        var smooth = plot.Add.ScatterLine(steps.ToArray(), MovingAverage(losses, Math.Max(1, steps.Count / 50)));
        smooth.Color = Colors.SteelBlue;
        smooth.LineWidth = 2;
        smooth.LegendText = "training loss (moving average)";
        if (valSteps.Count > 0)
        {
            var val = plot.Add.Scatter(valSteps.ToArray(), valLosses.ToArray());
            val.Color = Colors.OrangeRed;
            val.LineWidth = 2;
            val.MarkerSize = 6;
            val.LegendText = "validation loss";
        }
        plot.Title(title, size: 16);
        plot.XLabel("step");
        plot.YLabel("cross-entropy (nats / token)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(pngPath, 960, 540);
        return pngPath;
    }

    private static double[] MovingAverage(List<double> values, int window)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
