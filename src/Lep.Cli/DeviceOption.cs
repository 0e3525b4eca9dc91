using System.CommandLine;

namespace Lep.Cli;

public static class DeviceOption
{
    public static Option<string> Create() => new("--device")
    {
        Description = "where the model runs: cpu, cuda[:N] or auto (this build ships the CPU backend)",
        DefaultValueFactory = _ => "cpu",
    };
}
