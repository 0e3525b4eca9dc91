using System.Text;
using Lep.Modeling.LlamaCpp;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Lep.Tests.Oracles;

/// <summary>
/// llama.cpp (the build inside LLamaSharp 0.30.0, CPU backend) as an oracle: loads a GGUF and returns raw logits for
/// every position of a token sequence, llama.cpp's tokenization, and greedy generation. Nothing but the model's own math
/// is involved: logits are read straight from the context (no sampler, no logit bias, no repetition penalty), the whole
/// sequence is one batch and one micro-batch, the KV cache is F32, flash attention is off, thread counts are fixed.
/// </summary>
public sealed class LlamaCpp : IDisposable
{
    private static readonly object Gate = new();

    // Must run before the first native call; keeps llama.cpp's log (load errors are explained only there). The
    // library's llama.cpp backend shares the one callback LLamaSharp allows per process.
    static LlamaCpp() => LlamaCppLog.Ensure();

    /// <summary>The last few thousand characters llama.cpp logged (for failure messages).</summary>
    public static string RecentLog(int chars = 4000) => LlamaCppLog.Recent(chars);

    public LLamaWeights Weights { get; }
    public LLamaContext Context { get; }
    public int ContextSize { get; }
    public int VocabSize => Weights.NativeHandle.Vocab.Count;

    public LlamaCpp(string ggufPath, int contextSize = 256, int threads = 2)
    {
        ContextSize = contextSize;
        var p = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            UBatchSize = (uint)contextSize,
            SeqMax = 1,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        lock (Gate)
        {
            try
            {
                Weights = LLamaWeights.LoadFromFile(p);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"llama.cpp could not load {ggufPath}: {e.Message}\n--- llama.cpp log ---\n{RecentLog()}", e);
            }
            Context = Weights.CreateContext(p);
        }
    }

    /// <summary>Logits at every position of <paramref name="tokens"/> (decoded from position 0 in one batch): [seq][vocab].</summary>
    public float[][] Logits(IReadOnlyList<int> tokens)
    {
        if (tokens.Count == 0 || tokens.Count > ContextSize) throw new ArgumentException($"sequence length {tokens.Count} must be 1..{ContextSize}");
        SafeLLamaContextHandle ctx = Context.NativeHandle;
        ctx.MemoryClear(true);
        var batch = new LLamaBatch();
        for (int i = 0; i < tokens.Count; i++) batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
        DecodeResult r = ctx.Decode(batch);
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {r}\n{RecentLog()}");
        int vocab = VocabSize;
        var result = new float[tokens.Count][];
        for (int i = 0; i < tokens.Count; i++)
        {
            Span<float> row = ctx.GetLogitsIth(i);
            if (row.Length != vocab) throw new InvalidOperationException($"logits row {i} has {row.Length} entries, vocab is {vocab}");
            result[i] = row.ToArray();
        }
        return result;
    }

    /// <summary>Greedy (argmax) continuation of <paramref name="prompt"/> by <paramref name="count"/> tokens, using the KV cache.</summary>
    public int[] Generate(IReadOnlyList<int> prompt, int count)
    {
        if (prompt.Count + count > ContextSize) throw new ArgumentException("prompt + generated tokens exceed the context size");
        SafeLLamaContextHandle ctx = Context.NativeHandle;
        ctx.MemoryClear(true);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Count; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        var output = new int[count];
        int pos = prompt.Count;
        for (int step = 0; step < count; step++)
        {
            DecodeResult r = ctx.Decode(batch);
            if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {r}");
            Span<float> logits = ctx.GetLogitsIth(batch.TokenCount - 1);
            int best = 0;
            for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[best]) best = v;
            output[step] = best;
            batch.Clear();
            batch.Add(best, pos++, LLamaSeqId.Zero, true);
        }
        return output;
    }

    /// <summary>llama.cpp's tokenization of <paramref name="text"/>.</summary>
    public int[] Tokenize(string text, bool addBos = false, bool parseSpecial = false) =>
        Weights.NativeHandle.Tokenize(text, addBos, parseSpecial, Encoding.UTF8).Select(t => (int)t).ToArray();

    /// <summary>A metadata value as llama.cpp reports it (its own string rendering), or null when absent.</summary>
    public string? Metadata(string key) => Weights.NativeHandle.MetadataValueByKey(key) is Memory<byte> m ? Encoding.UTF8.GetString(m.Span).TrimEnd('\0') : null;

    public void Dispose()
    {
        Context.Dispose();
        Weights.Dispose();
    }
}
