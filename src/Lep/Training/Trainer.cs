using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Lep.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lep.Training;

/// <summary>One optimizer step, as a training run reports it.</summary>
/// <param name="Step">optimizer steps done</param>
/// <param name="Steps">optimizer steps in the run</param>
/// <param name="Loss">training loss of the last step</param>
/// <param name="LearningRate">learning rate of the last step</param>
/// <param name="TokensPerSecond">training throughput</param>
/// <param name="ValidationLoss">loss on the held-out rows when this step validated, else null</param>
public sealed record TrainingProgress(int Step, int Steps, double Loss, double LearningRate, double TokensPerSecond, double? ValidationLoss);

/// <param name="Note">set when nothing was trained here: what to do instead (the printed launch command), or who writes the output</param>
/// <summary>What a training run did.</summary>
/// <param name="Steps">optimizer steps done</param>
/// <param name="Tokens">tokens trained on</param>
/// <param name="FinalLoss">training loss of the last step</param>
/// <param name="FinalValidationLoss">the last validation loss, if the run validated</param>
/// <param name="Seconds">wall time of this invocation</param>
/// <param name="Resumed">true when the run continued from a checkpoint</param>
public sealed record TrainingResult(int Steps, long Tokens, double FinalLoss, double? FinalValidationLoss, double Seconds, bool Resumed, string? Note = null);

/// <summary>
/// The training loop: packed rows (block-diagonal causal attention, per-document positions), AdamW, warm-up + cosine,
/// gradient accumulation and clipping, periodic validation, metrics as JSONL, and checkpoints that resume exactly.
/// </summary>
internal sealed class Trainer
{
    private readonly LlamaForCausalLM _model;
    private readonly TrainingOptions _o;
    private readonly IReadOnlyList<PackedRow> _train;
    private readonly IReadOnlyList<PackedRow> _validation;
    private readonly string _runDir;
    private readonly List<(string Name, Parameter Parameter)> _trainable;
    private readonly DataOrder _order;

    public AdamW Optimizer { get; }
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters => _trainable;
    public string MetricsPath => Path.Combine(_runDir, "metrics.jsonl");

    /// <summary>Stop after this many steps of this invocation (tests use it to simulate a killed run).</summary>
    public int? StopAfterSteps { get; set; }

    public Trainer(LlamaForCausalLM model, TrainingOptions options, IReadOnlyList<PackedRow> train, IReadOnlyList<PackedRow>? validation, string runDir)
    {
        options.Validate();
        if (train.Count == 0) throw new ArgumentException("no training rows (is the corpus empty?)");
        if (train[0].Tokens.Length != options.BlockSize) throw new ArgumentException($"rows hold {train[0].Tokens.Length} tokens, block size is {options.BlockSize}");
        _model = model;
        _o = options;
        _train = train;
        _validation = validation ?? [];
        _runDir = runDir;
        _order = new DataOrder(train.Count, options);
        Directory.CreateDirectory(runDir);
        _trainable = SelectTrainable(model, options);
        Optimizer = new AdamW(_trainable, options);
        if (options.TrainRowsFrom is int from)
        {
            if (from >= model.Config.VocabSize) throw new ArgumentException($"first trainable row {from} is beyond the vocabulary ({model.Config.VocabSize} rows)");
            using Tensor rows = arange(model.Config.VocabSize, device: model.Device);
            foreach (var (name, _) in _trainable) Optimizer.RestrictRows(name, rows >= from);
        }
        if (options.TrainRowIds is int[] ids)
        {
            if (ids.Length == 0) throw new ArgumentException("no new rows to train (every token of the vocabulary is shared with the old one)");
            if (ids.Any(id => id < 0 || id >= model.Config.VocabSize)) throw new ArgumentException($"a row id to train is outside the vocabulary ({model.Config.VocabSize} rows)");
            using Tensor mask = zeros(model.Config.VocabSize, dtype: ScalarType.Bool, device: model.Device);
            using Tensor index = tensor(ids.Select(i => (long)i).ToArray(), device: model.Device);
            mask.index_fill_(0, index, true);
            foreach (var (name, _) in _trainable) Optimizer.RestrictRows(name, mask);
        }
    }

    /// <summary>
    /// Marks what this run updates (requires_grad) and returns it by stable names — HF names, and for LoRA the adapter
    /// factors "PROJECTION.lora_A/B" — the names the optimizer state and checkpoints use. A LoRA run attaches fresh
    /// adapters (seeded with the run's seed) unless the model already has them.
    /// </summary>
    private static List<(string, Parameter)> SelectTrainable(LlamaForCausalLM model, TrainingOptions o)
    {
        if (o.Trainable == TrainableSet.Lora && !model.HasLora) model.AddLora(o.Lora!, o.Seed);
        if (o.Trainable != TrainableSet.Lora && model.HasLora)
            throw new ArgumentException("the model carries LoRA adapters: merge them first, or train with the LoRA trainable set");
        bool embeddings = o.Trainable == TrainableSet.EmbeddingsAndHead || (o.Trainable == TrainableSet.Lora && o.Lora!.TrainEmbeddings);
        var chosen = new List<(string, Parameter)>();
        foreach (var (name, p) in model.HfParameters())
        {
            bool train = o.Trainable == TrainableSet.All || (embeddings && name is "model.embed_tokens.weight" or "lm_head.weight");
            p.requires_grad = train;
            if (train) chosen.Add((name, p));
        }
        foreach (var (name, p) in model.LoraParameters())
        {
            p.requires_grad = true;
            chosen.Add((name, p));
        }
        return chosen;
    }

    /// <summary>Identifies options + data, so a checkpoint is only resumed by the run that wrote it.</summary>
    private string Fingerprint() => FingerprintOf(_o, _train);

    public static string FingerprintOf(TrainingOptions o, IReadOnlyList<PackedRow> train)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // LoRA settings only count for LoRA runs (null is left out of the JSON: other runs hash as they always did).
        var identity = o with { EvalEvery = 0, CheckpointEvery = 0, Lora = o.Trainable == TrainableSet.Lora ? o.Lora : null };
        hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(identity));
        foreach (PackedRow row in train.Take(64))
        {
            foreach (long t in row.Tokens) hash.AppendData(BitConverter.GetBytes(t));
        }
        hash.AppendData(BitConverter.GetBytes(train.Count));
        return Convert.ToHexString(hash.GetHashAndReset())[..16];
    }

    /// <summary>A killed run logged steps past its last checkpoint; they are run again, so their old lines go.</summary>
    private void DropMetricsAfter(int step)
    {
        var kept = File.ReadLines(MetricsPath).Where(line =>
        {
            if (string.IsNullOrWhiteSpace(line)) return false;
            try
            {
                using var doc = JsonDocument.Parse(line);
                return doc.RootElement.GetProperty("step").GetInt32() <= step;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return false;
            }
        }).ToList();
        File.WriteAllLines(MetricsPath, kept);
    }

    public TrainingResult Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        string fingerprint = Fingerprint();
        var state = TrainingCheckpoint.TryLoad(_runDir, _trainable, Optimizer, fingerprint);
        bool resumed = state is not null;
        int step = state?.Step ?? 0;
        long tokens = state?.TokensSeen ?? 0;
        double previousSeconds = state?.ElapsedSeconds ?? 0;
        if (!resumed && File.Exists(MetricsPath)) File.Delete(MetricsPath);
        if (resumed && File.Exists(MetricsPath)) DropMetricsAfter(step);
        var clock = Stopwatch.StartNew();
        double loss = double.NaN;
        double? validationLoss = null;
        int stepsThisRun = 0;
        _model.train();
        using var metrics = new StreamWriter(MetricsPath, append: true);

        while (step < _o.Steps)
        {
            cancellation.ThrowIfCancellationRequested();
            if (StopAfterSteps is int stop && stepsThisRun >= stop) break;
            var stepClock = Stopwatch.StartNew();
            double lr = CosineSchedule.At(step, _o);
            Optimizer.ZeroGrad();
            int[] rows = _order.RowsForStep(step);
            double lossSum = 0;
            long stepTokens = 0;
            for (int micro = 0; micro < _o.GradientAccumulation; micro++)
            {
                using var scope = NewDisposeScope();
                var batch = rows.Skip(micro * _o.BatchSize).Take(_o.BatchSize).Select(i => _train[i]).ToList();
                Tensor microLoss = Loss(batch) / _o.GradientAccumulation;
                microLoss.backward();
                lossSum += microLoss.item<float>();
                stepTokens += batch.Sum(r => r.Targets.Count(t => t != DocumentPacker.IgnoreIndex));
            }
            double gradNorm = Optimizer.ClipGradients(_o.GradientClip);
            Optimizer.Update(lr);
            step++;
            stepsThisRun++;
            tokens += stepTokens;
            loss = lossSum;
            double tokensPerSecond = stepTokens / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds);
            var record = new Dictionary<string,
                object>
            {
                ["step"] = step, ["lr"] = lr, ["loss"] = Math.Round(loss, 6), ["grad_norm"] = Math.Round(gradNorm, 6), ["tokens"] = tokens,
                ["tokens_per_s"] = Math.Round(tokensPerSecond, 1)
            };

            bool last = step == _o.Steps;
            if (_validation.Count > 0 && _o.EvalEvery > 0 && (step % _o.EvalEvery == 0 || last))
            {
                validationLoss = ValidationLoss();
                record["val_loss"] = Math.Round(validationLoss.Value, 6);
            }
            metrics.WriteLine(JsonSerializer.Serialize(record));
            metrics.Flush();
            if ((_o.CheckpointEvery > 0 && step % _o.CheckpointEvery == 0) || last)
                TrainingCheckpoint.Save(_runDir, _trainable, Optimizer, new TrainingCheckpoint.State(step, tokens, previousSeconds + clock.Elapsed.TotalSeconds, fingerprint));
            progress?.Report(new TrainingProgress(step, _o.Steps, loss, lr, tokensPerSecond, validationLoss));
        }
        _model.eval();
        return new TrainingResult(step, tokens, loss, validationLoss, previousSeconds + clock.Elapsed.TotalSeconds, resumed);
    }

    /// <summary>Mean next-token cross-entropy (nats) over the non-ignored targets of a batch of packed rows.</summary>
    public Tensor Loss(IReadOnlyList<PackedRow> batch)
    {
        int b = batch.Count, t = batch[0].Tokens.Length;
        Device device = _model.Device;
        Tensor ids = tensor(batch.SelectMany(r => r.Tokens).ToArray(), [b, t], device: device);
        Tensor docs = tensor(batch.SelectMany(r => r.DocumentIds).ToArray(), [b, t], device: device);
        Tensor positions = tensor(batch.SelectMany(r => r.Positions).ToArray(), [b, t], device: device);
        Tensor targets = tensor(batch.SelectMany(r => r.Targets).ToArray(), [b * t], device: device);
        Tensor logits = _model.Forward(ids, positions, Masks.PackedDocuments(docs));
        return nn.functional.cross_entropy(logits.reshape(b * t, -1), targets, ignore_index: DocumentPacker.IgnoreIndex);
    }

    public double ValidationLoss()
    {
        _model.eval();
        using var _ = no_grad();
        double total = 0;
        int batches = 0;
        for (int s = 0; s < _validation.Count && batches < _o.EvalBatches; s += _o.BatchSize, batches++)
        {
            using var scope = NewDisposeScope();
            total += Loss(_validation.Skip(s).Take(_o.BatchSize).ToList()).item<float>();
        }
        _model.train();
        return total / Math.Max(1, batches);
    }
}
