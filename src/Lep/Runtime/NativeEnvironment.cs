using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lep.Runtime;

/// <summary>
/// Process-wide native settings applied when the library loads, before libtorch (and its OpenMP runtime) starts.
/// OMP_WAIT_POLICY=PASSIVE: with 2 cores shared by several processes (tests, llama.cpp, a build), spinning OpenMP
/// workers starve each other — measured 31 → 149 tokens/s for 2-thread decoding under load. A user's own setting wins.
/// glibc malloc keeps freed memory instead of unmapping it: libtorch's large activations (a 16×256×8192 fp32 logits
/// tensor is 128 MiB) are above malloc's mmap threshold, so each step mapped fresh pages and faulted them in again
/// (this VM faults at ~4 s/GiB) — training the zoo model spent 28 % of its CPU time in the kernel. With mmap off and
/// trimming off they are reused: 2.6 M → 0.5 M page faults and 1.75× less CPU time for the same steps
/// (`/usr/bin/time -v … Lep.Bench.dll train-mfu 16 256 8192 256 688 4 8 2`), at the cost of keeping the peak resident.
/// LEP_MALLOC=default (or a GLIBC_TUNABLES setting of the user's) leaves malloc alone.
/// </summary>
internal static class NativeEnvironment
{
    // A library's module initializer, on purpose: it must run before libtorch is first loaded, in every host of Lep
    // (the CLI, the tests, the benches), and nothing a host calls comes before that load.
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "see the comment above")]
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null) SetNative("OMP_WAIT_POLICY", "PASSIVE");
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("LEP_MALLOC") != "default"
            && Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is null) KeepFreedMemory();
    }

    private const int MallocTrimThreshold = -1, MallocMmapMax = -4, MallocArenaMax = -8;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    private static void KeepFreedMemory()
    {
        try
        {
            // One arena: threads that start later (OpenMP workers, test threads) share the heap that keeps the memory.
            MallOpt(MallocArenaMax, 1);
            MallOpt(MallocMmapMax, 0);
            MallOpt(MallocTrimThreshold, int.MaxValue);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    // .NET keeps its own copy of the environment on Unix; native libraries read libc's.
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    private static void SetNative(string name, string value)
    {
        try
        {
            SetEnv(name, value, 0);
            Environment.SetEnvironmentVariable(name, value);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }
}
