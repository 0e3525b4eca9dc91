using LLama;
using LLama.Common;
using LLama.Native;
using Lep.Formats.Checkpoint;

namespace Lep.Modeling.LlamaCpp;

/// <summary>How the llama.cpp backend runs.</summary>
public sealed record LlamaCppSettings
{
    /// <summary>Context (KV cache) size in tokens; default min(max_position_embeddings, 4096).</summary>
    public int? ContextLength { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Tokens per llama_decode call (and logits rows held at once).</summary>
    public int BatchSize { get; init; } = 512;
    /// <summary>Keep the KV cache in F32 (exact agreement with torch) rather than F16 (half the memory).</summary>
    public bool F32Cache { get; init; }
}

/// <summary>
/// A GGUF run by llama.cpp (LLamaSharp's CPU build) as an <see cref="ILanguageModel"/>. Ids in, raw logits out: no
/// llama.cpp tokenizer, sampler, logit bias or penalty is involved. Scoring decodes one sequence at a time, keeping
/// the KV cache of the prefix it shares with the previous sequence (the choices of one question share their prompt);
/// logits are read only at target positions. One context: a decoding and scoring cannot overlap.
/// </summary>
public sealed class LlamaCppModel : ILanguageModel
{
    private static readonly object LoadGate = new();
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly int _batchSize;
    private readonly List<int> _cached = [];
    private bool _decoding;

    public string Backend { get; }
    public ModelConfig Config { get; }
    public int ContextLength { get; }
    public string GgufPath { get; }

    private LlamaCppModel(string ggufPath, ModelConfig config, string backend, LlamaCppSettings settings)
    {
        GgufPath = ggufPath;
        Config = config;
        Backend = backend;
        ContextLength = settings.ContextLength ?? Math.Min(config.MaxPositionEmbeddings, 4096);
        if (ContextLength < 2 || ContextLength > config.MaxPositionEmbeddings)
            throw new ArgumentException($"llama.cpp context length {ContextLength} must be 2..{config.MaxPositionEmbeddings} (max_position_embeddings)");
        _batchSize = Math.Clamp(settings.BatchSize, 1, ContextLength);
        LlamaCppLog.Ensure(); // before anything touches the native library (ModelParams does)
        GGMLType cacheType = settings.F32Cache ? GGMLType.GGML_TYPE_F32 : GGMLType.GGML_TYPE_F16;
        var p = new ModelParams(ggufPath)
        {
            ContextSize = (uint)ContextLength,
            BatchSize = (uint)_batchSize,
            UBatchSize = (uint)_batchSize,
            SeqMax = 1,
            Threads = settings.Threads,
            BatchThreads = settings.Threads,
            GpuLayerCount = 0,
            TypeK = cacheType,
            TypeV = cacheType,
            FlashAttention = false,
        };
        lock (LoadGate)
        {
            try
            {
                _weights = LLamaWeights.LoadFromFile(p);
            }
            catch (Exception e) when (e is LLama.Exceptions.RuntimeError or LLama.Exceptions.LoadWeightsFailedException)
            {
                throw new LepInputException(ggufPath, $"llama.cpp could not load it: {e.Message}; llama.cpp said: {LastLines(LlamaCppLog.Recent(1500))}", e);
            }
            _context = _weights.CreateContext(p);
        }
        int vocab = _weights.NativeHandle.Vocab.Count;
        if (vocab != config.VocabSize)
        {
            Dispose();
            throw new LepInputException(ggufPath, $"llama.cpp sees {vocab} tokens but config.json's vocab_size is {config.VocabSize}");
        }
    }

    /// <summary>Loads a GGUF exported from the HF dir whose config is <paramref name="config"/>.</summary>
    public static LlamaCppModel Open(string ggufPath, ModelConfig config, string backend, LlamaCppSettings? settings = null) =>
        new(ggufPath, config, backend, settings ?? new LlamaCppSettings());

    private SafeLLamaContextHandle Native => _context.NativeHandle;

    public ScoringResult[] ScoreBatch(IReadOnlyList<ScoringSequence> batch)
    {
        if (_decoding) throw new InvalidOperationException("a decoding is in progress on this llama.cpp context");
        var results = new ScoringResult[batch.Count];
        for (int b = 0; b < batch.Count; b++) results[b] = Score(batch[b]);
        return results;
    }

    private ScoringResult Score(ScoringSequence s)
    {
        int[] input = s.Input;
        if (input.Length > ContextLength) throw new ArgumentException($"a sequence of {input.Length} tokens exceeds the llama.cpp context of {ContextLength}");
        if (s.FirstTarget < 0 || s.FirstTarget + s.Targets.Length != input.Length)
            throw new ArgumentException($"targets at positions {s.FirstTarget}..{s.FirstTarget + s.Targets.Length - 1} do not end the {input.Length}-token input");
        // Reuse the cached prefix, but decode again from the first target position: only decoded positions have logits.
        int reuse = 0;
        int limit = Math.Min(Math.Min(_cached.Count, input.Length), s.FirstTarget);
        while (reuse < limit && _cached[reuse] == input[reuse]) reuse++;
        if (reuse < _cached.Count)
        {
            Native.MemorySequenceRemove(LLamaSeqId.Zero, reuse, -1);
            _cached.RemoveRange(reuse, _cached.Count - reuse);
        }
        double total = 0;
        bool greedy = true;
        for (int start = reuse; start < input.Length; start += _batchSize)
        {
            int end = Math.Min(input.Length, start + _batchSize);
            _batch.Clear();
            for (int pos = start; pos < end; pos++) _batch.Add(input[pos], pos, LLamaSeqId.Zero, pos >= s.FirstTarget);
            Decode();
            for (int pos = start; pos < end; pos++) _cached.Add(input[pos]);
            for (int pos = Math.Max(start, s.FirstTarget); pos < end; pos++)
            {
                var (logProb, isMax) = TargetLogProb(Native.GetLogitsIth(pos - start), s.Targets[pos - s.FirstTarget]);
                total += logProb;
                greedy &= isMax;
            }
        }
        return new ScoringResult(total, s.Targets.Length, greedy);
    }

    /// <summary>log softmax(logits)[target] in double, and whether target is the (first) argmax.</summary>
    internal static (double LogProb, bool IsArgMax) TargetLogProb(ReadOnlySpan<float> logits, int target)
    {
        int best = Sampler.ArgMax(logits);
        double max = logits[best], sum = 0;
        for (int v = 0; v < logits.Length; v++) sum += Math.Exp(logits[v] - max);
        return (logits[target] - max - Math.Log(sum), best == target);
    }

    public IDecoder StartDecoding(int capacity)
    {
        if (_decoding) throw new InvalidOperationException("a decoding is already in progress on this llama.cpp context");
        if (capacity > ContextLength) throw new ArgumentException($"{capacity} tokens exceed the llama.cpp context of {ContextLength}");
        Native.MemoryClear(true);
        _cached.Clear();
        _decoding = true;
        return new Decoder(this, capacity);
    }

    private void Decode()
    {
        DecodeResult r = Native.Decode(_batch);
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {r}; llama.cpp said: {LastLines(LlamaCppLog.Recent(1500))}");
    }

    private static string LastLines(string log) => string.Join(" | ", log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(4));

    private sealed class Decoder(LlamaCppModel model, int capacity) : IDecoder
    {
        private int _length;

        public ReadOnlySpan<float> Feed(ReadOnlySpan<int> tokens)
        {
            if (tokens.Length == 0) throw new ArgumentException("nothing to feed");
            if (_length + tokens.Length > capacity) throw new InvalidOperationException($"decoding capacity {capacity} exceeded ({_length} + {tokens.Length})");
            int last = 0;
            for (int start = 0; start < tokens.Length; start += model._batchSize)
            {
                int end = Math.Min(tokens.Length, start + model._batchSize);
                model._batch.Clear();
                for (int i = start; i < end; i++) model._batch.Add(tokens[i], _length + i, LLamaSeqId.Zero, i == tokens.Length - 1);
                model.Decode();
                last = end - 1 - start;
            }
            _length += tokens.Length;
            return model.Native.GetLogitsIth(last);
        }

        public void Dispose()
        {
            model.Native.MemoryClear(true);
            model._decoding = false;
        }
    }

    public void Dispose()
    {
        _context?.Dispose();
        _weights?.Dispose();
    }
}
