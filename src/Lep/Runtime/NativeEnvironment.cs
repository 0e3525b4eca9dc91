using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lep.Runtime;

/// <summary>
/// Process-wide native settings applied when the library loads, before libtorch (and its OpenMP runtime) starts.
/// OMP_WAIT_POLICY=PASSIVE: with 2 cores shared by several processes (tests, llama.cpp, a build), spinning OpenMP
/// workers starve each other — measured 31 → 149 tokens/s for 2-thread decoding under load. A user's own setting wins.
/// </summary>
internal static class NativeEnvironment
{
    [ModuleInitializer]
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null) SetNative("OMP_WAIT_POLICY", "PASSIVE");
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
