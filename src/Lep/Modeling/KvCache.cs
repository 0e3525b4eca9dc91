using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>
/// Preallocated key/value cache for incremental decoding: per layer [B, kvHeads, capacity, headDim].
/// Layers append their new keys/values at <see cref="Length"/>; <see cref="Advance"/> moves it after a forward pass.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <summary>Positions the cache holds (prompt and generated tokens together).</summary>
    public int Capacity { get; }
    /// <summary>Positions filled so far.</summary>
    public int Length { get; private set; }

    internal KvCache(int layers, long batch, long kvHeads, int capacity, long headDim, Device device)
    {
        Capacity = capacity;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            _keys[i] = zeros([batch, kvHeads, capacity, headDim], device: device);
            _values[i] = zeros([batch, kvHeads, capacity, headDim], device: device);
        }
    }

    /// <summary>Stores k, v [B, kvHeads, T, D] after the cached prefix and returns views over everything so far.</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long t = k.shape[2];
        if (Length + t > Capacity) throw new InvalidOperationException($"KV cache capacity {Capacity} exceeded ({Length} + {t})");
        _keys[layer].narrow(2, Length, t).copy_(k);
        _values[layer].narrow(2, Length, t).copy_(v);
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    internal void Advance(int tokens) => Length += tokens;

    /// <summary>Frees the cache's tensors.</summary>
    public void Dispose()
    {
        foreach (Tensor t in _keys) t.Dispose();
        foreach (Tensor t in _values) t.Dispose();
    }
}
