using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>The TorchSharp model as an <see cref="ILanguageModel"/>: fp32 on its device, scoring in right-padded batches.</summary>
public sealed partial class LlamaForCausalLM : ILanguageModel
{
    /// <summary>The backend's name in reports: torch.</summary>
    public string Backend => "torch";

    /// <summary>The longest sequence the model takes (max_position_embeddings).</summary>
    public int ContextLength => Config.MaxPositionEmbeddings;

    /// <summary>One forward pass over the batch, right-padded to its longest input under the causal mask (pads come
    /// after every real token, so they never influence one).</summary>
    public ScoringResult[] ScoreBatch(IReadOnlyList<ScoringSequence> batch)
    {
        int width = batch.Max(s => s.Input.Length);
        var ids = new long[batch.Count * width];
        for (int b = 0; b < batch.Count; b++)
            for (int i = 0; i < batch[b].Input.Length; i++) ids[b * width + i] = batch[b].Input[i];
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor logits = Forward(tensor(ids, [batch.Count, width], device: Device));
        Tensor logProbs = nn.functional.log_softmax(logits, -1).to(CPU);
        Tensor greedy = logits.argmax(-1).to(CPU);
        var results = new ScoringResult[batch.Count];
        for (int b = 0; b < batch.Count; b++)
        {
            var (_, first, targets) = batch[b];
            double total = 0;
            bool isGreedy = true;
            for (int j = 0; j < targets.Length; j++)
            {
                int pos = first + j;
                total += logProbs[b, pos, targets[j]].item<float>();
                if (greedy[b, pos].item<long>() != targets[j]) isGreedy = false;
            }
            results[b] = new ScoringResult(total, targets.Length, isGreedy);
        }
        return results;
    }

    /// <summary>A greedy-decoding session with a KV cache of <paramref name="capacity"/> positions.</summary>
    public IDecoder StartDecoding(int capacity) => new TorchDecoder(this, capacity);

    private sealed class TorchDecoder(LlamaForCausalLM lm, int capacity) : IDecoder
    {
        private readonly KvCache _cache = lm.NewCache(1, capacity);

        public ReadOnlySpan<float> Feed(ReadOnlySpan<int> tokens)
        {
            var ids = new long[tokens.Length];
            for (int i = 0; i < ids.Length; i++) ids[i] = tokens[i];
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            Tensor logits = lm.Forward(tensor(ids, [1, ids.Length], device: lm.Device), cache: _cache, lastOnly: true).reshape(-1).to(CPU);
            return logits.data<float>().ToArray();
        }

        public void Dispose() => _cache.Dispose();
    }
}
