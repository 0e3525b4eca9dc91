using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>Autoregressive decoding with a KV cache: the prompt is run once, then one token per step.</summary>
public static class Generation
{
    /// <summary>Yields new token ids as they are produced; stops at a stop token (not yielded) or the token limit.</summary>
    public static IEnumerable<int> Generate(LlamaForCausalLM lm, IReadOnlyList<int> prompt, SamplingOptions options)
    {
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens");
        foreach (int id in prompt)
        {
            if (id < 0 || id >= lm.Config.VocabSize) throw new ArgumentException($"token id {id} is outside the model's vocabulary (0..{lm.Config.VocabSize - 1})");
        }
        options.Validate();
        if (prompt.Count >= lm.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"the prompt has {prompt.Count} tokens but the model's context (max_position_embeddings) is {lm.Config.MaxPositionEmbeddings}, leaving no room to generate");
        int capacity = Math.Min(prompt.Count + options.MaxNewTokens, lm.Config.MaxPositionEmbeddings);
        var sampler = new Sampler(options);
        using var cache = lm.NewCache(1, capacity);
        using var _ = no_grad();
        long[] input = prompt.Select(i => (long)i).ToArray();
        for (int step = 0; step < options.MaxNewTokens && cache.Length + input.Length <= capacity; step++)
        {
            int next;
            using (var scope = NewDisposeScope())
            {
                Tensor ids = tensor(input, [1, input.Length], device: lm.Device);
                Tensor logits = lm.Forward(ids, cache: cache, lastOnly: true).reshape(-1).to(CPU);
                next = sampler.Next(logits.data<float>().ToArray());
            }
            if (options.StopTokens.Contains(next)) yield break;
            yield return next;
            input = [next];
        }
    }
}
