using System.Text.Json.Nodes;
using Lep.Formats.Safetensors;

namespace Lep.Formats.Checkpoint;

/// <summary>Writes the weights of an HF checkpoint dir: one <c>model.safetensors</c>, or shards of at most
/// <c>maxShardBytes</c> each plus <c>model.safetensors.index.json</c> (the transformers layout).</summary>
internal static class CheckpointWriter
{
    public const long DefaultMaxShardBytes = 5L << 30;

    public static void WriteWeights(string directory, IReadOnlyList<PendingTensor> tensors, long maxShardBytes = DefaultMaxShardBytes)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes));
        var shards = new List<List<PendingTensor>>();
        long current = 0;
        foreach (PendingTensor t in tensors)
        {
            if (shards.Count == 0 || (current > 0 && current + t.ByteLength > maxShardBytes))
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(t);
            current += t.ByteLength;
        }
        if (shards.Count == 0) shards.Add([]);

        if (shards.Count == 1)
        {
            SafetensorsWriter.Write(Path.Combine(directory, CheckpointReader.SingleFile), shards[0]);
            return;
        }
        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafetensorsWriter.Write(Path.Combine(directory, name), shards[i]);
            foreach (PendingTensor t in shards[i]) weightMap[t.Name] = name;
        }
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = tensors.Sum(t => t.ByteLength) },
            ["weight_map"] = weightMap,
        };
        JsonFile.Write(Path.Combine(directory, CheckpointReader.IndexFile), index);
    }
}
