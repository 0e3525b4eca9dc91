using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Runtime;
using Lep.Training;
using static TorchSharp.torch;

namespace Lep.Bench;

/// <summary>
/// Training throughput of a ~2 M-parameter Llama as model FLOP utilisation: 6·N·tokens/s (N = parameters taking
/// part in matmuls, i.e. all but the input embedding lookup) over the fp32 matmul rate measured in the same run.
/// </summary>
public static class TrainMfuBench
{
    public static void Run(string[] args)
    {
        ComputeDevice.UseAllCores();
        int batch = args.Length > 0 ? int.Parse(args[0]) : 8, seq = args.Length > 1 ? int.Parse(args[1]) : 256;
        double matmul = MatmulGflops();

        // Optional shape: vocab hidden intermediate layers heads kv-heads (default a ~3 M-parameter Llama).
        int[] shape = args.Length >= 8 ? args[2..8].Select(int.Parse).ToArray() : [4096, 192, 512, 4, 6, 2];
        var config = ModelConfig.Create("LlamaForCausalLM", shape[0], shape[1], shape[2], shape[3], shape[4], shape[5], maxPositions: 1024);
        using var lm = new LlamaForCausalLM(config);
        lm.InitializeRandom(1);
        lm.train();
        long n = lm.ParameterCount() - config.VocabSize * (long)config.HiddenSize * (config.TieWordEmbeddings ? 0 : 1);
        // The real training path: packed rows (block-diagonal mask, per-document positions), our AdamW, clipping.
        var options = new TrainingOptions { Steps = 100, BlockSize = seq, BatchSize = batch, LearningRate = 1e-3, WarmupSteps = 0 };
        var random = new Random(3);
        var documents = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 50 + random.Next(400)).Select(_ => random.Next(config.VocabSize)).ToArray());
        var rows = DocumentPacker.Pack(documents, seq);
        var trainer = new Trainer(lm, options, rows, null, Path.Combine(Path.GetTempPath(), "lep-bench-mfu"));
        var batchRows = rows.Take(batch).ToList();
        void Step()
        {
            using var scope = NewDisposeScope();
            trainer.Optimizer.ZeroGrad();
            trainer.Loss(batchRows).backward();
            trainer.Optimizer.ClipGradients(1.0);
            trainer.Optimizer.Update(1e-3);
        }
        double seconds = Timing.BestSeconds(5, Step);
        // Where a step goes: forward (loss), backward, optimizer — best of 5 each.
        double forward = Timing.BestSeconds(5, () => { using var s = NewDisposeScope(); using var _ = no_grad(); trainer.Loss(batchRows); });
        double forwardBackward = Timing.BestSeconds(5, () => { using var s = NewDisposeScope(); trainer.Optimizer.ZeroGrad(); trainer.Loss(batchRows).backward(); });
        using Tensor plainIds = tensor(batchRows.SelectMany(r => r.Tokens).ToArray(), [batch, seq]);
        double causalForward = Timing.BestSeconds(5, () => { using var s = NewDisposeScope(); using var _ = no_grad(); lm.Forward(plainIds); });
        double optimizer = Timing.BestSeconds(5, () => { trainer.Optimizer.ClipGradients(1.0); trainer.Optimizer.Update(1e-3); });
        double tokensPerSecond = batch * seq / seconds;
        double modelGflops = 6.0 * n * tokensPerSecond / 1e9;
        Console.WriteLine($"train-mfu: {lm.ParameterCount() / 1e6:0.00} M params ({n / 1e6:0.00} M in matmuls), batch {batch}×{seq}: {tokensPerSecond:N0} tokens/s = {modelGflops:N1} GFLOP/s; fp32 matmul {matmul:N1} GFLOP/s; MFU = {modelGflops / matmul:P1} (goal ≥ 40 %)");
        Console.WriteLine($"train-mfu: step {seconds * 1000:N0} ms = forward {forward * 1000:N0} (no grad) + backward ≈ {(forwardBackward - forward) * 1000:N0} + optimizer {optimizer * 1000:N0} ms; forward with plain causal attention (no document mask) {causalForward * 1000:N0} ms");
    }

    /// <summary>Peak-ish fp32 matmul rate of this machine with libtorch (1024³ products).</summary>
    public static double MatmulGflops()
    {
        using var a = randn(1024, 1024);
        using var b = randn(1024, 1024);
        double seconds = Timing.BestSeconds(5, () =>
        {
            for (int i = 0; i < 4; i++)
            {
                using var c = a.matmul(b);
            }
        });
        return 4 * 2.0 * 1024 * 1024 * 1024 / seconds / 1e9;
    }
}
