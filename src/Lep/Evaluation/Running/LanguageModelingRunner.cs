using System.Text.Json.Nodes;
using Lep.Evaluation.Metrics;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Modeling;

namespace Lep.Evaluation.Running;

/// <summary>
/// Language modelling over whole documents. Each document is encoded without special tokens; every one of its tokens is
/// predicted, the first one from the BOS token (models without BOS leave their first token unscored, counted in
/// <c>unscored_tokens</c>). Long documents are cut into windows of half the context size, each predicted with up to half
/// a context of preceding tokens. bits/char = total NLL / (characters · ln 2), bits/byte likewise over UTF-8 bytes;
/// characters are Unicode code points; chars/token = characters / document tokens.
/// </summary>
internal static class LanguageModelingRunner
{
    public const int MaxWindow = 1024;

    public static TaskResult Run(EvalModel model, EvalTask task, IReadOnlyList<EvalItem> items, int batchSize, IProgress<double>? progress = null)
    {
        int window = Math.Max(4, Math.Min(model.Lm.ContextLength, MaxWindow));
        int half = window / 2;
        var requests = new List<ScoringRequest>();
        var owner = new List<int>();
        var tokenCounts = new int[items.Count];
        int unscored = 0;
        for (int d = 0; d < items.Count; d++)
        {
            var doc = (DocumentItem)items[d];
            int[] ids = model.Tokenizer.Encode(doc.Text, addSpecialTokens: false);
            tokenCounts[d] = ids.Length;
            int[] all;
            int first;
            if (model.BosTokenId is int bos) { all = [bos, .. ids]; first = 1; }
            else { all = ids; first = 1; unscored += ids.Length > 0 ? 1 : 0; }
            for (int s = first; s < all.Length; s += half)
            {
                int e = Math.Min(all.Length, s + half);
                int c0 = Math.Max(0, s - half);
                requests.Add(new ScoringRequest(all[c0..s], all[s..e]));
                owner.Add(d);
            }
        }
        ScoringResult[] scores = LogLikelihood.Score(model.Lm, requests, batchSize,
            progress is null ? null : new SyncProgress<int>(done => progress.Report(done / (double)Math.Max(1, requests.Count))));
        var nll = new double[items.Count];
        for (int r = 0; r < requests.Count; r++) nll[owner[r]] -= scores[r].LogProb;

        long chars = 0, bytes = 0, tokens = 0;
        double total = 0;
        var records = new JsonArray();
        for (int d = 0; d < items.Count; d++)
        {
            var doc = (DocumentItem)items[d];
            int c = TextUnits.Characters(doc.Text), b = TextUnits.Bytes(doc.Text);
            chars += c;
            bytes += b;
            tokens += tokenCounts[d];
            total += nll[d];
            records.Add(new JsonObject
            {
                ["id"] = doc.Id,
                ["line"] = doc.Line,
                ["tokens"] = tokenCounts[d],
                ["chars"] = c,
                ["nll"] = TaskResult.Round(nll[d]),
                ["bits_per_char"] = TaskResult.Round(BitsPerCharacter.BitsPer(nll[d], c)),
            });
        }
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["bits_per_char"] = BitsPerCharacter.BitsPer(total, chars),
            ["bits_per_byte"] = BitsPerCharacter.BitsPer(total, bytes),
            ["chars_per_token"] = tokens == 0 ? 0 : chars / (double)tokens,
            ["nll_nats"] = total,
            ["tokens"] = tokens,
            ["chars"] = chars,
            ["bytes"] = bytes,
            ["unscored_tokens"] = unscored,
        };
        return new TaskResult
        {
            Model = model.Name, Task = task.Name, Kind = task.Kind, Format = task.Format, Primary = task.Primary, N = items.Count,
            Metrics = metrics, PrimarySum = 0, Items = records,
        };
    }
}
