using Lep.Options;

namespace Lep.Runtime;

/// <summary>The compute device option every job that runs a model takes (resolved by <see cref="ComputeDevice.Resolve"/>).</summary>
internal static class DeviceSchema
{
    public static readonly OptionSpec<string> Device = OptionSpec.Text("device", "cpu",
        "where the model runs: cpu, cuda[:N] or auto (this build ships the CPU backend)", Problem);

    /// <summary>Null for cpu, auto, cuda or cuda:N (any case, surrounding spaces allowed), else what is wrong.</summary>
    private static string? Problem(string value)
    {
        string d = value.Trim().ToLowerInvariant();
        bool ok = d is "cpu" or "auto" or "cuda" || (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d[5..], out int n) && n >= 0);
        return ok ? null : $"'{value}' is not a device (expected cpu, cuda, cuda:N or auto)";
    }
}
