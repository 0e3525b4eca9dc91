namespace Lep.Modeling;

/// <summary>A continuation to score after a context (token ids; the context may be empty only if the continuation has ≥ 2
/// tokens). The continuation must fit the model's context: only the context is cut to make room.</summary>
internal sealed record ScoringRequest(int[] Context, int[] Continuation);

/// <summary>Log-probability of a continuation given its context, and whether greedy decoding would produce it.</summary>
public sealed record ScoringResult(double LogProb, int Tokens, bool IsGreedy);

/// <summary>Batched log-likelihood scoring of continuations, on any <see cref="ILanguageModel"/>.</summary>
internal static class LogLikelihood
{
    /// <summary>Scores every request; a sequence longer than the model's context keeps its last tokens (a continuation
    /// longer than the context is refused: its first tokens would have no position). Requests are
    /// batched longest first (similar lengths pad least).</summary>
    public static ScoringResult[] Score(ILanguageModel lm, IReadOnlyList<ScoringRequest> requests, int batchSize = 8, IProgress<int>? progress = null)
    {
        var results = new ScoringResult[requests.Count];
        int maxLen = lm.ContextLength;
        // Sequence = context + continuation minus the last token; targets = the continuation.
        var sequences = new ScoringSequence[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            if (r.Continuation.Length == 0) throw new ArgumentException($"request {i}: empty continuation");
            int[] all = [.. r.Context, .. r.Continuation];
            int start = Math.Max(0, all.Length - 1 - maxLen);
            int firstTarget = r.Context.Length - 1 - start;
            if (r.Context.Length == 0 && start == 0)
                throw new ArgumentException($"request {i}: the first continuation token has no context to be predicted from");
            // Keeping the last tokens must not cut into the continuation: a target before the window has no position.
            if (firstTarget < 0)
                throw new ArgumentException($"request {i}: a continuation of {r.Continuation.Length} tokens does not fit the model's context of {maxLen} tokens");
            sequences[i] = new ScoringSequence(all[start..^1], firstTarget, r.Continuation);
        }

        int[] order = Enumerable.Range(0, requests.Count).OrderByDescending(i => sequences[i].Input.Length).ToArray();
        for (int s = 0; s < order.Length; s += batchSize)
        {
            int[] batch = order.Skip(s).Take(batchSize).ToArray();
            ScoringResult[] scored = lm.ScoreBatch(batch.Select(i => sequences[i]).ToArray());
            for (int b = 0; b < batch.Length; b++) results[batch[b]] = scored[b];
            progress?.Report(Math.Min(s + batchSize, order.Length));
        }
        return results;
    }
}
