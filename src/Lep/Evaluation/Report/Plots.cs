using System.Globalization;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using ScottPlot;

namespace Lep.Evaluation.Report;

/// <summary>PNG bar charts (ScottPlot, headless): per-task scores, chars/token and bits/char per text, generation chars/s.</summary>
public static class Plots
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
            var cpt = models.Select(m => new[] { r.Speed.FirstOrDefault(s => s.Model == m)?.CharsPerToken ?? double.NaN }).ToList();
            written.Add(Grouped(Path.Combine(dir, "chars_per_token.png"), "Characters per generated token", "chars / token", ["generated text"], models, cpt, "F2"));
        }
        if (r.Speed.Count > 0)
        {
            var cps = models.Select(m => new[] { r.Speed.FirstOrDefault(s => s.Model == m)?.CharsPerSecond ?? double.NaN }).ToList();
            written.Add(Grouped(Path.Combine(dir, "chars_per_s.png"), "Generation speed (same prompts, greedy)", "characters / second", ["chars/s"], models, cps, "F0"));
        }
        return written;
    }

    /// <summary>One group of bars per entry of <paramref name="groups"/>, one coloured bar per series, value labels on top.</summary>
    private static string Grouped(string path, string title, string yLabel, IReadOnlyList<string> groups, IReadOnlyList<string> series,
        IReadOnlyList<double[]> values, string format, double? fixedMax = null)
    {
        var plot = new Plot();
        plot.Font.Set(Font);
        var palette = new ScottPlot.Palettes.Category10();
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
                    Label = v.ToString(format, CultureInfo.InvariantCulture),
                });
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = series.Count * groups.Count > 24 ? 10 : 13;
        barPlot.ValueLabelStyle.FontName = Font;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray(), groups.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.Title(title, size: 16);
        plot.YLabel(yLabel, size: 14);
        double max = bars.Count == 0 ? 1 : bars.Max(b => b.Value);
        double top = fixedMax is double fm ? Math.Max(fm, max) * 1.12 : (max <= 0 ? 1 : max * 1.18);
        plot.Axes.SetLimits(-0.6, groups.Count - 0.4, 0, top);
        for (int s = 0; s < series.Count; s++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s], FillColor = palette.GetColor(s) });
        plot.Legend.FontSize = 13;
        plot.Legend.FontName = Font;
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
