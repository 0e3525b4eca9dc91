namespace Lep.Modeling;

/// <summary>Autoregressive decoding with a KV cache: the prompt is run once, then one token per step.</summary>
internal static class Generation
{
    /// <summary>Yields new token ids as they are produced; stops at a stop token (not yielded), the token limit or the
    /// end of the model's context.</summary>
    public static IEnumerable<int> Generate(ILanguageModel lm, IReadOnlyList<int> prompt, SamplingOptions options)
    {
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens");
        foreach (int id in prompt)
        {
            if (id < 0 || id >= lm.Config.VocabSize) throw new ArgumentException($"token id {id} is outside the model's vocabulary (0..{lm.Config.VocabSize - 1})");
        }
        options.Validate();
        if (prompt.Count >= lm.ContextLength)
            throw new ArgumentException($"the prompt has {prompt.Count} tokens but the model's context " +
                $"({(lm.ContextLength == lm.Config.MaxPositionEmbeddings ? "max_position_embeddings" : lm.Backend + " context size")}) is {lm.ContextLength}, leaving no room to " +
                    $"generate");
        int capacity = Math.Min(prompt.Count + options.MaxNewTokens, lm.ContextLength);
        var sampler = new Sampler(options);
        using IDecoder decoder = lm.StartDecoding(capacity);
        int[] input = [.. prompt];
        int length = 0;
        for (int step = 0; step < options.MaxNewTokens && length + input.Length <= capacity; step++)
        {
            int next = sampler.Next(decoder.Feed(input));
            length += input.Length;
            if (options.StopTokens.Contains(next)) yield break;
            yield return next;
            input = [next];
        }
    }
}
