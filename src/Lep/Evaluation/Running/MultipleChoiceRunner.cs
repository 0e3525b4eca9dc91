using System.Text.Json.Nodes;
using Lep.Evaluation.Metrics;
using Lep.Evaluation.Prompts;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Modeling;

namespace Lep.Evaluation.Running;

/// <summary>
/// Multiple choice by log-likelihood: each choice is scored as a continuation of the prompt; the prediction is the
/// choice with the highest log-probability (accuracy) or the highest log-probability per character of the choice
/// (accuracy_norm, lm-eval's acc_norm).
/// </summary>
internal static class MultipleChoiceRunner
{
    public static TaskResult Run(EvalModel model, EvalTask task, IReadOnlyList<EvalItem> shots, IReadOnlyList<EvalItem> items,
        int batchSize, IProgress<double>? progress = null)
    {
        var demos = shots.Cast<ChoiceItem>().Select(s => new Shot(s.Prompt, s.Choices[s.Answer])).ToList();
        var requests = new List<ScoringRequest>();
        var spans = new List<(int Start, int Count)>();
        foreach (ChoiceItem item in items.Cast<ChoiceItem>())
        {
            string context = model.Formatter.Format(demos, item.Prompt);
            int[] contextIds = model.EncodePrompt(context);
            spans.Add((requests.Count, item.Choices.Count));
            foreach (string choice in item.Choices)
                requests.Add(new ScoringRequest(contextIds, model.ContinuationIds(contextIds, context, choice)));
        }
        ScoringResult[] scores = LogLikelihood.Score(model.Lm, requests, batchSize, progress is null ? null
            : new SyncProgress<int>(d => progress.Report(d / (double)Math.Max(1, requests.Count))));

        int correct = 0, correctNorm = 0;
        var records = new JsonArray();
        for (int i = 0; i < items.Count; i++)
        {
            var item = (ChoiceItem)items[i];
            var (start, count) = spans[i];
            double[] ll = Enumerable.Range(0, count).Select(c => scores[start + c].LogProb).ToArray();
            double[] norm = ll.Select((x, c) => x / Math.Max(1, TextUnits.Characters(item.Choices[c]))).ToArray();
            int pred = ArgMax(ll), predNorm = ArgMax(norm);
            if (pred == item.Answer) correct++;
            if (predNorm == item.Answer) correctNorm++;
            records.Add(new JsonObject
            {
                ["id"] = item.Id,
                ["line"] = item.Line,
                ["answer"] = item.Answer,
                ["pred"] = pred,
                ["pred_norm"] = predNorm,
                ["logprobs"] = new JsonArray(ll.Select(x => (JsonNode)TaskResult.Round(x)).ToArray()),
            });
        }
        int n = items.Count;
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        AddProportion(metrics, "accuracy", correct, n);
        AddProportion(metrics, "accuracy_norm", correctNorm, n);
        return new TaskResult
        {
            Model = model.Name, Task = task.Name, Kind = task.Kind, Format = task.Format, Primary = task.Primary, N = n,
            Metrics = metrics, PrimarySum = task.Primary == "accuracy_norm" ? correctNorm : correct, Items = records,
        };
    }

    internal static void AddProportion(SortedDictionary<string, double> metrics, string name, double successes, int n)
    {
        metrics[name] = n == 0 ? 0 : successes / n;
        var (low, high) = Wilson.Interval(successes, n);
        metrics[name + "_ci_low"] = low;
        metrics[name + "_ci_high"] = high;
    }

    private static int ArgMax(double[] xs)
    {
        int best = 0;
        for (int i = 1; i < xs.Length; i++) if (xs[i] > xs[best]) best = i;
        return best;
    }
}
