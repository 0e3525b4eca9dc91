using System.Diagnostics;
using Lep.Formats;
using Lep.Formats.Safetensors;
using Lep.Runtime;

namespace Lep.Bench;

/// <summary>Reading every tensor of a 1 GiB safetensors file into torch tensors, against `cat file > /dev/null` (page cache warm for both).</summary>
public static class SafetensorsReadBench
{
    public static void Run(string[] args)
    {
        long mib = args.Length > 0 ? long.Parse(args[0]) : 1024;
        string path = Path.Combine(Path.GetTempPath(), $"lep-bench-{mib}m.safetensors");
        const int tensors = 16;
        long elements = mib * 1024 * 1024 / 4 / tensors;
        if (!File.Exists(path))
        {
            var random = new Random(1);
            var chunk = new byte[elements * 4];
            random.NextBytes(chunk);
            SafetensorsWriter.Write(path, Enumerable.Range(0, tensors)
                .Select(i => PendingTensor.FromBytes($"t{i}", DType.F32, [elements], chunk)).ToList());
        }
        double cat = Timing.BestSeconds(3, () =>
        {
            using var p = Process.Start(new ProcessStartInfo("bash", ["-c", $"cat '{path}' > /dev/null"]))!;
            p.WaitForExit();
        });
        // What streaming stages do (GGUF export, propagation): read each tensor through the mapping into a reused buffer.
        var buffer = new byte[1 << 20];
        double stream = Timing.BestSeconds(3, () =>
        {
            using var file = SafetensorsFile.Open(path);
            foreach (TensorInfo t in file.Tensors)
            {
                ReadOnlySpan<byte> bytes = file.GetBytes(t);
                for (int o = 0; o < bytes.Length; o += buffer.Length)
                    bytes.Slice(o, Math.Min(buffer.Length, bytes.Length - o)).CopyTo(buffer);
            }
        });
        // Loading into fresh torch tensors; its peer is allocating and filling the same amount of fresh memory,
        // which on this VM is bounded by first-touch page faults (~4 s/GiB), not by reading.
        double materialise = Timing.BestSeconds(1, () =>
        {
            using var file = SafetensorsFile.Open(path);
            foreach (TensorInfo t in file.Tensors)
            {
                using var tensor = TensorBytes.ToTensor(file, t);
            }
        });
        double fresh = Timing.BestSeconds(1, () =>
        {
            for (int i = 0; i < tensors; i++)
            {
                using var tensor = TorchSharp.torch.empty(elements);
                tensor.fill_(1.0f);
            }
        });
        double size = new FileInfo(path).Length / 1048576.0;
        Console.WriteLine($"safetensors-read ({size:N0} MiB, page cache warm): lep streaming read {size / stream:N0} MiB/s vs cat {size / cat:N0} MiB/s → ratio {cat / stream:0.00}× (goal ≥ 0.8)");
        Console.WriteLine($"safetensors-read into new torch tensors {size / materialise:N0} MiB/s vs allocating+filling fresh tensors {size / fresh:N0} MiB/s → ratio {fresh / materialise:0.00}×");
    }
}
