using System.Globalization;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using ScottPlot;

namespace Lep.Evaluation.Report;

/// <summary>PNG bar charts (ScottPlot, headless): per-task scores, chars/token and bits/char per text, generation chars/s.</summary>
internal static class Plots
{
    private const int Width = 960, Height = 540;
    private static readonly string Font = "DejaVu Sans";

    public static IReadOnlyList<string> Render(EvalResults r, string dir)
    {
        var written = new List<string>();
        var models = r.Models.Select(m => m.Name).ToList();
        var scored = r.Tasks.Where(t => t.Kind != TaskKind.LanguageModeling).ToList();
        if (scored.Count > 0)
        {
            var groups = scored.Select(t => $"{t.Name}\n({MetricNames.Short(t.Primary)})").Append("micro-avg").ToList();
            var values = models.Select(m => scored.Select(t => r.Find(m, t.Name) is TaskResult x ? x.Metrics.GetValueOrDefault(t.Primary, double.NaN) : double.NaN)
                .Append(r.MicroAverage(m).Score).ToArray()).ToList();
            written.Add(Grouped(Path.Combine(dir, "scores.png"), "Scores per task (primary metric, higher is better)", "score", groups, models, values, "F2", fixedMax: 1.0));
        }
        var lm = r.Tasks.Where(t => t.Kind == TaskKind.LanguageModeling).ToList();
        if (lm.Count > 0)
        {
            var groups = lm.Select(t => t.Name).ToList();
            var cpt = models.Select(m => lm.Select(t => r.Find(m, t.Name)?.Metrics.GetValueOrDefault("chars_per_token", double.NaN) ?? double.NaN).ToArray()).ToList();
            written.Add(Grouped(Path.Combine(dir, "chars_per_token.png"), "Characters per token (higher = shorter sequences)", "chars / token", groups, models, cpt, "F2"));
            var bpc = models.Select(m => lm.Select(t => r.Find(m, t.Name)?.Metrics.GetValueOrDefault("bits_per_char", double.NaN) ?? double.NaN).ToArray()).ToList();
            written.Add(Grouped(Path.Combine(dir, "bits_per_char.png"), "Bits per character (lower is better)", "bits / char", groups, models, bpc, "F3"));
        }
        else if (r.Speed.Count > 0)
        {
            var cpt = models.Select(m => r.Speed.FirstOrDefault(s => s.Model == m)?.CharsPerToken ?? double.NaN).ToArray();
            written.Add(PerModel(Path.Combine(dir, "chars_per_token.png"), "Characters per generated token", "chars / token", models, cpt, "F2"));
        }
        if (r.Speed.Count > 0)
        {
            var cps = models.Select(m => r.Speed.FirstOrDefault(s => s.Model == m)?.CharsPerSecond ?? double.NaN).ToArray();
            double baseline = cps.FirstOrDefault(double.IsFinite);
            var labels = cps.Select(v => double.IsFinite(v) && baseline > 0
                ? $"{v.ToString("F0", CultureInfo.InvariantCulture)} (×{(v / baseline).ToString("F2", CultureInfo.InvariantCulture)})" : "").ToArray();
            written.Add(PerModel(Path.Combine(dir, "chars_per_s.png"), "Generation speed: characters per second (same prompts, greedy)", "characters / " +
                "second", models, cps, "F0", labels));
        }
        return written;
    }

    /// <summary>One bar per model, models on the x axis (no legend needed).</summary>
    private static string PerModel(string path, string title, string yLabel, IReadOnlyList<string> models, double[] values, string format, string[]? labels = null)
    {
        var plot = new Plot();
        plot.Font.Set(Font);
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        for (int m = 0; m < models.Count; m++)
        {
            if (!double.IsFinite(values[m])) continue;
            bars.Add(new Bar
            {
                Position = m, Value = values[m], Size = 0.6, FillColor = palette.GetColor(m), LineWidth = 0,
                Label = labels?[m] ?? values[m].ToString(format, CultureInfo.InvariantCulture),
            });
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 13;
        barPlot.ValueLabelStyle.FontName = Font;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, models.Count).Select(i => (double)i).ToArray(), models.ToArray());
        Style(plot, title, yLabel);
        double max = bars.Count == 0 ? 1 : bars.Max(b => b.Value);
        plot.Axes.SetLimits(-0.6, models.Count - 0.4, 0, max <= 0 ? 1 : max * 1.15);
        plot.SavePng(path, Math.Max(640, Math.Min(Width, 200 + 160 * models.Count)), Height);
        return path;
    }

    private static void Style(Plot plot, string title, string yLabel)
    {
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.Title(title, size: 16);
        plot.YLabel(yLabel, size: 14);
    }

    /// <summary>One group of bars per entry of <paramref name="groups"/>, one coloured bar per series, value labels on top.</summary>
    private static string Grouped(string path, string title, string yLabel, IReadOnlyList<string> groups, IReadOnlyList<string> series,
        IReadOnlyList<double[]> values, string format, double? fixedMax = null)
    {
        var plot = new Plot();
        plot.Font.Set(Font);
        // Past 10 models the 10-colour palette repeats; past 8 the value labels overlap (the tables have the numbers).
        IPalette palette = series.Count > 10 ? new ScottPlot.Palettes.Category20() : new ScottPlot.Palettes.Category10();
        bool labelled = series.Count <= 8;
        double slot = 0.8 / series.Count;
        var bars = new List<Bar>();
        for (int s = 0; s < series.Count; s++)
        {
            for (int g = 0; g < groups.Count; g++)
            {
                double v = values[s][g];
                if (!double.IsFinite(v)) continue;
                bars.Add(new Bar
                {
                    Position = g - 0.4 + slot * (s + 0.5),
                    Value = v,
                    Size = slot * 0.92,
                    FillColor = palette.GetColor(s),
                    LineWidth = 0,
                    Label = labelled ? v.ToString(format, CultureInfo.InvariantCulture) : "",
                });
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = series.Count * groups.Count > 24 ? 10 : 13;
        barPlot.ValueLabelStyle.FontName = Font;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray(), groups.ToArray());
        Style(plot, title, yLabel);
        double max = bars.Count == 0 ? 1 : bars.Max(b => b.Value);
        double top = fixedMax is double fm ? Math.Max(fm, max) * 1.08 : (max <= 0 ? 1 : max * 1.15);
        plot.Axes.SetLimits(-0.6, groups.Count - 0.4, 0, top);
        for (int s = 0; s < series.Count; s++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s], FillColor = palette.GetColor(s) });
        plot.Legend.FontSize = 13;
        plot.Legend.FontName = Font;
        plot.ShowLegend(Edge.Right);
        int width = Width;
        if (groups.Count > 5)
        {
            // Many tasks: slanted names under their groups, and room for them.
            plot.Axes.Bottom.TickLabelStyle.Rotation = -35;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight;
            plot.Axes.Bottom.MinimumSize = 40 + 7.5f * groups.Max(g => g.Split('\n')[0].Length);
            width = Math.Min(2400, Math.Max(Width, 260 + 70 * groups.Count * Math.Max(1, series.Count)));
        }
        plot.SavePng(path, width, Height + (groups.Count > 5 ? 120 : 0));
        return path;
    }
}
