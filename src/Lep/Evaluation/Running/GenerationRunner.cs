using System.Text.Json.Nodes;
using Lep.Evaluation.Metrics;
using Lep.Evaluation.Prompts;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Modeling;

namespace Lep.Evaluation.Running;

/// <summary>
/// Generation tasks: greedy decoding until a stop token, a newline (when no reference contains one), or a budget of
/// 1.5 × the longest reference's token count + 8 (at most <c>maxNewTokens</c>). Scored by exact match (normalised and
/// strict), chrF (corpus, sacreBLEU-style; per item for the micro-average) and ROUGE-L (mean F).
/// </summary>
internal static class GenerationRunner
{
    public static TaskResult Run(EvalModel model, EvalTask task, IReadOnlyList<EvalItem> shots, IReadOnlyList<EvalItem> items,
        int maxNewTokens, IProgress<double>? progress = null)
    {
        var demos = shots.Cast<GenerationItem>().Select(s => new Shot(s.Prompt, s.References[0])).ToList();
        var predictions = new List<string>();
        var records = new JsonArray();
        double em = 0, strict = 0, rouge = 0, primarySum = 0;
        for (int i = 0; i < items.Count; i++)
        {
            var item = (GenerationItem)items[i];
            string context = model.Formatter.Format(demos, item.Prompt);
            int[] promptIds = model.EncodePrompt(context);
            int refTokens = item.References.Max(r => model.Tokenizer.Encode(r, addSpecialTokens: false).Length);
            int budget = Math.Min(maxNewTokens, refTokens * 3 / 2 + 8);
            bool stopAtNewline = !item.References.Any(r => r.Contains('\n'));
            string prediction = Generate(model, promptIds, budget, stopAtNewline);
            predictions.Add(prediction);

            double itemEm = ExactMatch.Score(prediction, item.References);
            double itemStrict = ExactMatch.Strict(prediction, item.References);
            double itemChrf = ChrF.FromStatistics(ChrF.Statistics(prediction, item.References)) / 100;
            double itemRouge = RougeL.Best(prediction, item.References);
            em += itemEm;
            strict += itemStrict;
            rouge += itemRouge;
            primarySum += task.Primary switch { "exact_match" => itemEm, "exact_match_strict" => itemStrict, "rouge_l" => itemRouge, _ => itemChrf };
            records.Add(new JsonObject
            {
                ["id"] = item.Id,
                ["line"] = item.Line,
                ["prediction"] = prediction,
                ["exact_match"] = itemEm,
                ["chrf"] = TaskResult.Round(itemChrf),
                ["rouge_l"] = TaskResult.Round(itemRouge),
            });
            progress?.Report((i + 1) / (double)items.Count);
        }
        int n = items.Count;
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        MultipleChoiceRunner.AddProportion(metrics, "exact_match", em, n);
        MultipleChoiceRunner.AddProportion(metrics, "exact_match_strict", strict, n);
        metrics["chrf"] = ChrF.Corpus(predictions, items.Cast<GenerationItem>().Select(g => g.References).ToList()) / 100;
        metrics["rouge_l"] = n == 0 ? 0 : rouge / n;
        return new TaskResult
        {
            Model = model.Name, Task = task.Name, Kind = task.Kind, Format = task.Format, Primary = task.Primary, N = n,
            Metrics = metrics, PrimarySum = primarySum, Items = records,
        };
    }

    /// <summary>Greedy decoding; the reply is decoded without special tokens and cut at the first newline when asked.</summary>
    public static string Generate(EvalModel model, int[] promptIds, int budget, bool stopAtNewline)
    {
        var options = new SamplingOptions { MaxNewTokens = budget, Temperature = 0, StopTokens = model.StopTokens };
        var ids = new List<int>();
        string text;
        foreach (int id in Generation.Generate(model.Lm, promptIds, options))
        {
            ids.Add(id);
            if (!stopAtNewline) continue;
            text = model.Tokenizer.Decode(ids, skipSpecialTokens: true);
            // Leading newlines (the model restating the prompt's line break) do not end the reply.
            string body = text.TrimStart();
            int nl = body.IndexOf('\n');
            if (nl > 0) return body[..nl].Trim();
        }
        text = model.Tokenizer.Decode(ids, skipSpecialTokens: true);
        return stopAtNewline ? text.Trim().Split('\n')[0].Trim() : text.Trim();
    }
}
