using Lep.Formats.Checkpoint;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Lep.Modeling.LlamaCpp;

/// <summary>How the llama.cpp backend runs.</summary>
public sealed record LlamaCppSettings
{
    /// <summary>Context (KV cache) size in tokens; default min(max_position_embeddings, 4096).</summary>
    public int? ContextLength { get; init; }
    /// <summary>CPU threads llama.cpp computes with; default one per processor.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Tokens per llama_decode call (and logits rows held at once).</summary>
    public int BatchSize { get; init; } = 512;
    /// <summary>Keep the KV cache in F32 (exact agreement with torch) rather than F16 (half the memory).</summary>
    public bool F32Cache { get; init; }
}

/// <summary>
/// A GGUF run by llama.cpp (LLamaSharp's CPU build) as an <see cref="ILanguageModel"/>. Ids in, raw logits out: no
/// llama.cpp tokenizer, sampler, logit bias or penalty is involved. Scoring decodes sequences in groups: their common
/// prefix (the prompt the choices of one question share) once, then every member's remaining tokens together in one
/// batch, reading logits only at target positions. One context: a decoding and scoring cannot overlap.
/// </summary>
internal sealed class LlamaCppModel : ILanguageModel
{
    private static readonly object LoadGate = new();
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly int _batchSize;
    /// <summary>Sequences scored together in one llama_decode (llama.cpp's n_seq_max).</summary>
    private const int MaxSequences = 16;
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
            SeqMax = MaxSequences,
            KVUnified = true, // the sequences of a group share the prompt's cells and the context's size
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
        foreach (ScoringSequence s in batch)
        {
            if (s.Input.Length > ContextLength) throw new ArgumentException($"a sequence of {s.Input.Length} tokens exceeds the llama.cpp context of {ContextLength}");
            if (s.FirstTarget < 0 || s.FirstTarget + s.Targets.Length != s.Input.Length)
                throw new ArgumentException($"targets at positions {s.FirstTarget}..{s.FirstTarget + s.Targets.Length - 1} do not end the {s.Input.Length}-token input");
        }
        // In token order, so that sequences sharing a prefix (the choices of one question) fall into one group.
        int[] order = Enumerable.Range(0, batch.Count).ToArray();
        Array.Sort(order, (x, y) => batch[x].Input.AsSpan().SequenceCompareTo(batch[y].Input) is var c && c != 0 ? c : x.CompareTo(y));
        var results = new ScoringResult[batch.Count];
        for (int i = 0; i < order.Length;)
        {
            // A group: up to MaxSequences sequences whose tokens after their common prefix fit one llama_decode.
            int[] first = batch[order[i]].Input;
            int prefix = batch[order[i]].FirstTarget, tokens = first.Length - prefix, j = i + 1;
            for (; j < order.Length && j - i < MaxSequences; j++)
            {
                ScoringSequence next = batch[order[j]];
                int p = Math.Min(Math.Min(prefix, next.FirstTarget), CommonPrefix(first, next.Input));
                int t = tokens + (prefix - p) * (j - i) + next.Input.Length - p;
                if (t > _batchSize || p + t > ContextLength) break;
                prefix = p;
                tokens = t;
            }
            ScoreGroup(batch, order[i..j], prefix, results);
            i = j;
        }
        return results;
    }

    private static int CommonPrefix(int[] a, int[] b)
    {
        int n = 0, max = Math.Min(a.Length, b.Length);
        while (n < max && a[n] == b[n]) n++;
        return n;
    }

    /// <summary>Decodes the shared prefix once (sequence 0, no logits), shares its KV cells with every member, then the
    /// members' remaining tokens as sequences 0..k-1, reading logits only at target positions.</summary>
    private void ScoreGroup(IReadOnlyList<ScoringSequence> batch, int[] members, int prefix, ScoringResult[] results)
    {
        Native.MemoryClear(true);
        int[] shared = batch[members[0]].Input;
        for (int start = 0; start < prefix; start += _batchSize)
        {
            _batch.Clear();
            for (int pos = start; pos < Math.Min(prefix, start + _batchSize); pos++) _batch.Add(shared[pos], pos, LLamaSeqId.Zero, false);
            Decode();
        }
        for (int k = 1; k < members.Length && prefix > 0; k++) Native.MemorySequenceCopy(LLamaSeqId.Zero, (LLamaSeqId)k, 0, prefix);

        var totals = new double[members.Length];
        var greedy = Enumerable.Repeat(true, members.Length).ToArray();
        var pending = new List<(int Member, int Target, int Row)>();
        void Flush()
        {
            Decode();
            foreach (var (member, target, row) in pending)
            {
                var (logProb, isMax) = TargetLogProb(Native.GetLogitsIth(row), target);
                totals[member] += logProb;
                greedy[member] &= isMax;
            }
            pending.Clear();
            _batch.Clear();
        }
        _batch.Clear();
        for (int k = 0; k < members.Length; k++)
        {
            ScoringSequence s = batch[members[k]];
            for (int pos = prefix; pos < s.Input.Length; pos++)
            {
                bool scored = pos >= s.FirstTarget;
                if (scored) pending.Add((k, s.Targets[pos - s.FirstTarget], _batch.TokenCount));
                _batch.Add(s.Input[pos], pos, (LLamaSeqId)k, scored);
                if (_batch.TokenCount == _batchSize) Flush();
            }
        }
        if (_batch.TokenCount > 0) Flush();
        for (int k = 0; k < members.Length; k++) results[members[k]] = new ScoringResult(totals[k], batch[members[k]].Targets.Length, greedy[k]);
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
