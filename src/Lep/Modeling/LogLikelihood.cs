using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>A continuation to score after a context (token ids; the context may be empty only if the continuation has ≥ 2 tokens).</summary>
public sealed record ScoringRequest(int[] Context, int[] Continuation);

/// <summary>Log-probability of a continuation given its context, and whether greedy decoding would produce it.</summary>
public sealed record ScoringResult(double LogProb, int Tokens, bool IsGreedy);

/// <summary>Batched log-likelihood scoring: right-padded batches under a causal mask (pads never influence real tokens).</summary>
public static class LogLikelihood
{
    public static ScoringResult[] Score(LlamaForCausalLM lm, IReadOnlyList<ScoringRequest> requests, int batchSize = 8, IProgress<int>? progress = null)
    {
        var results = new ScoringResult[requests.Count];
        int maxLen = lm.Config.MaxPositionEmbeddings;
        // Sequence = context + continuation minus the last token; targets = the continuation.
        var sequences = new (long[] Input, int FirstTarget, int[] Targets)[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            if (r.Continuation.Length == 0) throw new ArgumentException($"request {i}: empty continuation");
            int[] all = [.. r.Context, .. r.Continuation];
            int start = Math.Max(0, all.Length - 1 - maxLen);
            if (r.Context.Length == 0 && start == 0)
                throw new ArgumentException($"request {i}: the first continuation token has no context to be predicted from");
            long[] input = all.Skip(start).Take(all.Length - 1 - start).Select(x => (long)x).ToArray();
            sequences[i] = (input, r.Context.Length - 1 - start, r.Continuation);
        }

        int[] order = Enumerable.Range(0, requests.Count).OrderByDescending(i => sequences[i].Input.Length).ToArray();
        using var _ = no_grad();
        for (int s = 0; s < order.Length; s += batchSize)
        {
            int[] batch = order.Skip(s).Take(batchSize).ToArray();
            int width = sequences[batch[0]].Input.Length;
            var ids = new long[batch.Length * width];
            for (int b = 0; b < batch.Length; b++) sequences[batch[b]].Input.CopyTo(ids, b * width);
            using var scope = NewDisposeScope();
            Tensor logits = lm.Forward(tensor(ids, [batch.Length, width], device: lm.Device));
            Tensor logProbs = nn.functional.log_softmax(logits, -1).to(CPU);
            Tensor greedy = logits.argmax(-1).to(CPU);
            for (int b = 0; b < batch.Length; b++)
            {
                var (_, first, targets) = sequences[batch[b]];
                double total = 0;
                bool isGreedy = true;
                for (int j = 0; j < targets.Length; j++)
                {
                    int pos = first + j;
                    total += logProbs[b, pos, targets[j]].item<float>();
                    if (greedy[b, pos].item<long>() != targets[j]) isGreedy = false;
                }
                results[batch[b]] = new ScoringResult(total, targets.Length, isGreedy);
            }
            progress?.Report(Math.Min(s + batchSize, order.Length));
        }
        return results;
    }
}
