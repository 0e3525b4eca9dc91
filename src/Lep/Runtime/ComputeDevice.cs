using Lep.Options;
using static TorchSharp.torch;

namespace Lep.Runtime;

/// <summary>Chooses where models run: <c>cpu</c>, <c>cuda</c> (or <c>cuda:N</c>), or <c>auto</c> (CUDA when present).</summary>
internal static class ComputeDevice
{
    public static Device Resolve(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        if (n == "cpu") return CPU;
        bool cudaPresent = TryCudaAvailable();
        if (n == "auto") return cudaPresent ? CUDA : CPU;
        if (n == "cuda" || n.StartsWith("cuda:"))
        {
            const string Remedy = "reference TorchSharp-cuda-linux and run on a machine with an NVIDIA GPU";
            if (!cudaPresent)
                throw new OptionException(DeviceSchema.Device,
                    $"{name}: no CUDA backend available: this build uses TorchSharp-cpu; {Remedy}, or use {DeviceSchema.Device.Is("cpu")}");
            return new Device(n);
        }
        throw new OptionException(DeviceSchema.Device, $"{name}: unknown device (expected cpu, cuda, cuda:N or auto)");
    }

    private static bool TryCudaAvailable()
    {
        try
        {
            return cuda.is_available();
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>Uses every core for intra-op parallelism (TorchSharp's default may be lower).</summary>
    public static void UseAllCores() => set_num_threads(Environment.ProcessorCount);
}
