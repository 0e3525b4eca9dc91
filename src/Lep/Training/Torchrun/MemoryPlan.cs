using System.Globalization;
using Lep.Formats.Checkpoint;

namespace Lep.Training.Torchrun;

/// <summary>
/// What one rank of the torch engine holds, estimated before launch so a user sees whether a model fits their GPUs:
/// frozen weights (bf16 on GPU, fp32 on CPU), the trainable embedding matrices in fp32 with their gradients and AdamW
/// moments (every rank keeps a full replica), the AdamW update's temporaries, the activations kept for the backward
/// pass of one micro-batch and the logits. Compute: a frozen layer still needs its input gradients, so a token costs
/// ≈ 4·N FLOP (forward 2N + backward 2N, no weight gradients) plus attention.
/// </summary>
internal sealed record MemoryPlan(
    long FrozenParameters, long TrainableParameters, int FrozenBytesPerParameter, int RowsPerRank, int BlockSize,
    double FrozenBytes, double TrainableBytes, double OptimizerBytes, double UpdateTemporaryBytes, double ActivationBytes,
    double ExplicitAttentionBytes, double LogitBytes, double FlopPerToken, int WorldSize, bool ActivationCheckpointing, long TrainRowsPerStep)
{
    public double TotalBytes => FrozenBytes + TrainableBytes + OptimizerBytes + UpdateTemporaryBytes + ActivationBytes + LogitBytes;

    public static MemoryPlan For(ModelConfig c, TrainingOptions o, TorchrunLaunch launch, bool gpu)
    {
        long h = c.HiddenSize, inter = c.IntermediateSize, q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        long perLayer = h * q + 2 * h * kv + q * h + 3 * h * inter + 2 * h
                        + (c.QkvBias ? q + 2 * kv : 0) + (c.OutputProjBias ? h : 0) + (c.MlpBias ? 2 * inter + h : 0);
        long embedding = (long)c.VocabSize * h;
        long trainable = c.TieWordEmbeddings ? embedding : 2 * embedding;
        long frozen = perLayer * c.NumLayers + h;
        int frozenBytes = gpu ? 2 : 4;
        int rows = o.BatchSize / Math.Max(1, launch.WorldSize);
        long tokens = (long)rows * o.BlockSize;
        // Kept for the backward pass per token and layer: the two norm inputs/outputs, q/k/v before and after the
        // rotation, the attention output and o_proj's residual, gate/up/silu/product of the MLP.
        double perTokenLayer = (8.0 * h + 4.0 * inter + 4.0 * kv) * frozenBytes;
        double activations = launch.ActivationCheckpointing
            ? tokens * (c.NumLayers * h * (double)frozenBytes + perTokenLayer)
            : tokens * c.NumLayers * perTokenLayer;
        // torch 1.13 has no fused attention: scores, fp32 softmax and its cast, B·H·T² per layer.
        double explicitAttention = (double)rows * c.NumHeads * o.BlockSize * o.BlockSize * (frozenBytes + 4 + frozenBytes) * (launch.ActivationCheckpointing ? 1 : c.NumLayers);
        double logits = tokens * (double)c.VocabSize * 4 * 3; // fp32 logits, log-softmax, their gradient
        double largest = embedding * 4.0;
        double flop = 4.0 * (frozen + trainable) + 4.0 * c.NumLayers * o.BlockSize * q; // attention: QKᵀ and AV, forward and backward, ~causal half
        return new MemoryPlan(frozen, trainable, frozenBytes, rows, o.BlockSize, frozen * (double)frozenBytes, trainable * 4.0 * 2,
            trainable * 4.0 * 2, 2 * largest, activations, explicitAttention, logits, flop, launch.WorldSize, launch.ActivationCheckpointing,
            (long)o.BatchSize * o.GradientAccumulation);
    }

    public string Render()
    {
        static string G(double bytes) => (bytes / (1L << 30)).ToString(bytes < (1L << 30) ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " GiB";
        var lines = new List<string>
        {
            $"plan per rank ({WorldSize} rank(s), {RowsPerRank} row(s) × {BlockSize} tokens per micro-batch each, {TrainRowsPerStep} rows per step in all):",
            $"  frozen weights      {G(FrozenBytes),10}  {FrozenParameters / 1e9:0.###} B params in {(FrozenBytesPerParameter == 2 ? "bf16" : "fp32")}",
            $"  trainable rows      {G(TrainableBytes),10}  {TrainableParameters / 1e9:0.###} B params, fp32 weights + gradients",
            $"  optimizer state     {G(OptimizerBytes),10}  AdamW m and v, fp32",
            $"  update temporaries  {G(UpdateTemporaryBytes),10}",
            $"  activations         {G(ActivationBytes),10}  {(ActivationCheckpointing ? "layer inputs only (activation checkpointing)" : "every layer kept for backward")}",
            $"  logits              {G(LogitBytes),10}",
            $"  total               {G(TotalBytes),10}  (+ {G(ExplicitAttentionBytes)} of attention scores on torch < 2.0, which has no fused attention)",
            $"  compute             {FlopPerToken / 1e9:0.#} GFLOP per token; at 100 TFLOP/s sustained per GPU: {1e14 / FlopPerToken:N0} tokens/s per GPU, " +
            $"{TrainRowsPerStep * (double)BlockSize * FlopPerToken / (1e14 * WorldSize):0.##} s per step",
        };
        return string.Join('\n', lines);
    }
}
