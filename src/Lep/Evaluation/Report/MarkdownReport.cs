using System.Globalization;
using System.Text;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;

namespace Lep.Evaluation.Report;

/// <summary>
/// The paper-style report: one row per model, one column per task (its primary metric, 0–1) and the micro-average;
/// then sample sizes with 95 % Wilson intervals, all metrics per task, language modelling and generation speed.
/// </summary>
internal static class MarkdownReport
{
    private static string F(double x, int digits = 3) => double.IsFinite(x) ? x.ToString("F" + digits, CultureInfo.InvariantCulture) : "–";

    public static string Render(EvalResults r, IReadOnlyList<string> plots)
    {
        var sb = new StringBuilder();
        var scored = r.Tasks.Where(t => t.Kind != TaskKind.LanguageModeling).ToList();
        var lm = r.Tasks.Where(t => t.Kind == TaskKind.LanguageModeling).ToList();
        sb.AppendLine("# Evaluation report").AppendLine();
        sb.AppendLine($"Models: {string.Join(", ", r.Models.Select(m => $"`{m.Name}` ({m.Prompt} prompts, vocab {m.VocabSize}, run by {m.Backend})"))}.  ");
        sb.AppendLine($"Settings: {r.Settings.ToJsonString()}.").AppendLine();

        if (scored.Count > 0)
        {
            sb.AppendLine("## Scores").AppendLine();
            sb.AppendLine("Primary metric per task (0–1, higher is better); n = scored items. Micro-average = mean per-item primary score over all items of all tasks (chrF per " +
                "sentence).").AppendLine();
            sb.Append("| model |");
            foreach (var t in scored) sb.Append($" {t.Name} ({MetricNames.Short(t.Primary)}, n={t.Items}) |");
            sb.AppendLine(" micro-avg |");
            sb.Append("|---|").Append(string.Concat(scored.Select(_ => "---:|"))).AppendLine("---:|");
            foreach (var m in r.Models)
            {
                sb.Append($"| {m.Name} |");
                foreach (var t in scored)
                {
                    var res = r.Find(m.Name, t.Name);
                    sb.Append($" {(res is null ? "–" : F(res.Metrics.GetValueOrDefault(t.Primary, double.NaN)))} |");
                }
                var (micro, n) = r.MicroAverage(m.Name);
                sb.AppendLine($" {F(micro)} (n={n}) |");
            }
            sb.AppendLine();

            sb.AppendLine("## Sample sizes and 95 % confidence intervals").AppendLine();
            sb.AppendLine("Wilson score intervals for every proportion; differences inside overlapping intervals are not evidence.").AppendLine();
            sb.AppendLine("| model | task | metric | n | score | 95 % CI |");
            sb.AppendLine("|---|---|---|---:|---:|---|");
            foreach (var m in r.Models)
                foreach (var t in scored)
                {
                    var res = r.Find(m.Name, t.Name);
                    if (res is null) continue;
                    foreach (var metric in res.Metrics.Keys.Where(MetricNames.IsProportion))
                        sb.AppendLine($"| {m.Name} | {t.Name} | {MetricNames.Short(metric)} | {res.N} | {F(res.Metrics[metric])} | [{F(res.Metrics[metric + "_ci_low"])}, " +
                            $"{F(res.Metrics[metric + "_ci_high"])}] |");
                }
            sb.AppendLine();

            sb.AppendLine("## All metrics").AppendLine();
            foreach (var t in scored)
            {
                var metrics = r.Results.Where(x => x.Task == t.Name).SelectMany(x => x.Metrics.Keys)
                    .Where(k => !k.EndsWith("_ci_low") && !k.EndsWith("_ci_high")).Distinct().Order(StringComparer.Ordinal).ToList();
                sb.AppendLine($"**{t.Name}** ({t.Format}, {t.Kind}, `{t.File}`)").AppendLine();
                sb.Append("| model |").Append(string.Concat(metrics.Select(k => $" {MetricNames.Short(k)} |"))).AppendLine();
                sb.Append("|---|").AppendLine(string.Concat(metrics.Select(_ => "---:|")));
                foreach (var m in r.Models)
                {
                    var res = r.Find(m.Name, t.Name);
                    if (res is null) continue;
                    sb.Append($"| {m.Name} |").AppendLine(string.Concat(metrics.Select(k => $" {F(res.Metrics.GetValueOrDefault(k, double.NaN))} |")));
                }
                sb.AppendLine();
            }
        }

        if (lm.Count > 0)
        {
            sb.AppendLine("## Language modelling").AppendLine();
            sb.AppendLine("Bits per character / byte over whole documents (lower is better; comparable across vocabularies). chars/token = characters ÷ tokens of the model's " +
                "tokenizer (higher = shorter sequences).").AppendLine();
            sb.AppendLine("| model | task | docs | bits/char | bits/byte | chars/token | tokens | chars |");
            sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
            foreach (var m in r.Models)
                foreach (var t in lm)
                {
                    var res = r.Find(m.Name, t.Name);
                    if (res is null) continue;
                    var x = res.Metrics;
                    sb.AppendLine($"| {m.Name} | {t.Name} | {res.N} | {F(x["bits_per_char"], 4)} | {F(x["bits_per_byte"], 4)} | {F(x["chars_per_token"], 3)} | {x["tokens"]:F0} " +
                        $"| {x["chars"]:F0} |");
                }
            sb.AppendLine();
        }

        if (r.Speed.Count > 0)
        {
            sb.AppendLine("## Generation speed").AppendLine();
            sb.AppendLine($"Greedy decoding on the same {r.Speed[0].Prompts} prompts, {r.Settings["speed_tokens"]?.ToJsonString() ?? "a fixed number of"} new tokens per prompt " +
                $"(fewer only where the prompt nearly fills the model's context), stop tokens ignored; wall clock on this machine, kept in speed.json, not results.json. The " +
                    $"ratio is chars/s relative to the first model.").AppendLine();
            sb.AppendLine("| model | tokens/s | chars/s | chars/token (generated) | chars/s ratio |");
            sb.AppendLine("|---|---:|---:|---:|---:|");
            double baseline = r.Speed[0].CharsPerSecond;
            foreach (var s in r.Speed)
                sb.AppendLine($"| {s.Model} | {F(s.TokensPerSecond, 1)} | {F(s.CharsPerSecond, 1)} | {F(s.CharsPerToken, 2)} | " +
                    $"{(baseline > 0 ? F(s.CharsPerSecond / baseline, 2) : "–")} |");
            sb.AppendLine();
        }

        if (plots.Count > 0)
        {
            sb.AppendLine("## Plots").AppendLine();
            foreach (string p in plots) sb.AppendLine($"![{Path.GetFileNameWithoutExtension(p)}]({p.Replace('\\', '/')})").AppendLine();
        }
        return sb.ToString();
    }
}
