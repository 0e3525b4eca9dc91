using Lep.Options;

namespace Lep.Training.Torchrun;

/// <summary>The choice of training engine and the torchrun layout (`lep train --engine torchrun`, the pipeline's
/// "train" stage); <see cref="TorchrunLaunch"/> takes its defaults from here.</summary>
internal static class TorchrunSchema
{
    public static readonly OptionSpec<string> Engine = OptionSpec.Choice("engine", "local",
        "local (TorchSharp, this machine) or torchrun (PyTorch's distributed engine: GPUs, many nodes; embeddings only)", "local", "torchrun");
    public static readonly OptionSpec<int> NprocPerNode = OptionSpec.Int("nproc-per-node", 1, "torchrun: ranks (GPUs) on this node", min: 1);
    public static readonly OptionSpec<int> Nnodes = OptionSpec.Int("nnodes", 1, "torchrun: nodes in the job", min: 1);
    public static readonly OptionSpec<int> NodeRank = OptionSpec.Int("node-rank", 0, "torchrun: this node's rank (0 writes the model)", min: 0);
    public static readonly OptionSpec<string?> RendezvousEndpoint = OptionSpec.OptionalText("rdzv-endpoint",
        "torchrun: HOST:PORT of node 0, where the nodes meet", e => IsHostPort(e) ? null : $"'{e}' is not HOST:PORT");
    public static readonly OptionSpec<int> RendezvousTimeout = OptionSpec.Int("rdzv-timeout", 600,
        "torchrun: seconds for every rank to start before the launch is given up", min: 1);
    public static readonly OptionSpec<bool> ActivationCheckpointing = OptionSpec.Flag("activation-checkpointing",
        "torchrun: recompute activations in the backward pass (less memory, ~1/3 more compute)");

    private static bool IsHostPort(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint[(colon + 1)..], out int port) && port is > 0 and < 65536;
    }
}
