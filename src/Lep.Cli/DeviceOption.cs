using System.CommandLine;
using Lep.Runtime;

namespace Lep.Cli;

public static class DeviceOption
{
    public static Option<string> Create() => SchemaOptions.Create(DeviceSchema.Device);
}
