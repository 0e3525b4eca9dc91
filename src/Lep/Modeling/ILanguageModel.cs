using Lep.Formats.Checkpoint;

namespace Lep.Modeling;

/// <summary>
/// A causal LM as evaluation and generation use it, whichever engine computes it (TorchSharp, llama.cpp). Token ids in,
/// scores and next-token logits out: tokenisation, sampling, stopping and every metric stay outside, shared by all
/// engines, so two engines fed the same ids are compared on the model's math alone.
/// </summary>
public interface ILanguageModel : IDisposable
{
    /// <summary>What computes the model, as the eval report names it (e.g. <c>torch</c>, <c>llama.cpp q8_0</c>).</summary>
    string Backend { get; }

    /// <summary>The HF config the model was built from (vocabulary size, eos ids, architecture).</summary>
    ModelConfig Config { get; }

    /// <summary>The longest sequence the model takes (positions), ≤ max_position_embeddings.</summary>
    int ContextLength { get; }

    /// <summary>Scores sequences: for each, the summed log-probability of its targets (target j predicted at position
    /// <see cref="ScoringSequence.FirstTarget"/> + j of its input) and whether each target was the argmax there.</summary>
    ScoringResult[] ScoreBatch(IReadOnlyList<ScoringSequence> batch);

    /// <summary>Starts an incremental decoding with room for <paramref name="capacity"/> tokens (prompt included).</summary>
    IDecoder StartDecoding(int capacity);
}

/// <summary>One incremental decoding (the engine's KV cache).</summary>
public interface IDecoder : IDisposable
{
    /// <summary>Appends <paramref name="tokens"/> after those fed so far and returns the logits for the next token, valid
    /// until the next call.</summary>
    ReadOnlySpan<float> Feed(ReadOnlySpan<int> tokens);
}

/// <summary>Ids fed to the model and the tokens it must predict: target j at input position <c>FirstTarget + j</c>.</summary>
public sealed record ScoringSequence(int[] Input, int FirstTarget, int[] Targets);
