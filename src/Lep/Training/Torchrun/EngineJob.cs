using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;

namespace Lep.Training.Torchrun;

/// <summary>
/// What the torch engine reads from a run dir: <c>job.json</c> (every training option, the paths, the storage dtype,
/// the fingerprint its checkpoints carry) and <c>data.safetensors</c> — the packed rows as int32 [R, T] tensors
/// "train.tokens" / "train.positions" (0 starts a document) / "train.targets" (-100 = not learned), the same for
/// "validation", and "order" [steps, rows per step]: the rows each step reads (<see cref="DataOrder"/>).
/// </summary>
internal static class EngineJob
{
    public const string Format = "lep-torch-job/1";
    public const string JobFile = "job.json";
    public const string DataFile = "data.safetensors";

    public static string Write(string runDirectory, TrainingJobSpec spec, IReadOnlyList<PackedRow> train, IReadOnlyList<PackedRow> validation,
        TorchrunLaunch launch, string fingerprint)
    {
        Directory.CreateDirectory(runDirectory);
        TrainingOptions o = spec.Options;
        var order = new DataOrder(train.Count, o);
        var tensors = new List<PendingTensor>();
        AddRows(tensors, "train", train);
        AddRows(tensors, "validation", validation);
        tensors.Add(new PendingTensor("order", DType.I32, [o.Steps, order.RowsPerStep], stream =>
        {
            for (int step = 0; step < o.Steps; step++)
                foreach (int row in order.RowsForStep(step)) stream.Write(BitConverter.GetBytes(row));
        }));
        SafetensorsWriter.Write(Path.Combine(runDirectory, DataFile), tensors);

        var options = new JsonObject
        {
            ["steps"] = o.Steps, ["block_size"] = o.BlockSize, ["batch_size"] = o.BatchSize, ["gradient_accumulation"] = o.GradientAccumulation,
            ["learning_rate"] = o.LearningRate, ["min_lr_ratio"] = o.MinLearningRateRatio, ["warmup_steps"] = o.WarmupSteps,
            ["beta1"] = o.Beta1, ["beta2"] = o.Beta2, ["epsilon"] = o.Epsilon, ["weight_decay"] = o.WeightDecay, ["gradient_clip"] = o.GradientClip,
            ["eval_every"] = o.EvalEvery, ["eval_batches"] = o.EvalBatches, ["checkpoint_every"] = o.CheckpointEvery, ["seed"] = o.Seed,
            ["trainable"] = TrainableSets.Name(o.Trainable), ["train_rows_from"] = o.TrainRowsFrom,
            ["train_row_ids"] = o.TrainRowIds is int[] ids ? new JsonArray(ids.Select(i => (JsonNode?)i).ToArray()) : null,
        };
        var job = new JsonObject
        {
            ["format"] = Format,
            ["model_dir"] = Path.GetFullPath(spec.ModelDirectory),
            ["data"] = Path.GetFullPath(Path.Combine(runDirectory, DataFile)),
            ["run_dir"] = Path.GetFullPath(runDirectory),
            ["storage"] = spec.Storage switch { DType.BF16 => "bf16", DType.F16 => "f16", _ => "f32" },
            ["max_shard_bytes"] = CheckpointWriter.DefaultMaxShardBytes,
            ["companion_files"] = new JsonArray(ModelDirectory.CompanionFileNames.Select(n => (JsonNode?)n).ToArray()),
            ["fingerprint"] = fingerprint,
            ["device"] = spec.Device,
            ["activation_checkpointing"] = launch.ActivationCheckpointing,
            ["options"] = options,
        };
        string path = Path.Combine(runDirectory, JobFile);
        File.WriteAllText(path, job.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    private static void AddRows(List<PendingTensor> tensors, string split, IReadOnlyList<PackedRow> rows)
    {
        if (rows.Count == 0) return;
        long[] shape = [rows.Count, rows[0].Tokens.Length];
        PendingTensor Field(string name, Func<PackedRow, long[]> field) => new($"{split}.{name}", DType.I32, shape, stream =>
        {
            var buffer = new byte[shape[1] * 4];
            foreach (PackedRow row in rows)
            {
                long[] values = field(row);
                for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(buffer.AsSpan(i * 4), checked((int)values[i]));
                stream.Write(buffer);
            }
        });
        tensors.Add(Field("tokens", r => r.Tokens));
        tensors.Add(Field("positions", r => r.Positions));
        tensors.Add(Field("targets", r => r.Targets));
    }
}
