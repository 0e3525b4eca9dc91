using System.CommandLine;
using Lep.Training.Torchrun;

namespace Lep.Cli.Commands;

/// <summary>`lep train`'s choice of engine and the torchrun layout (checks: <see cref="TorchrunLaunch.Validate"/>,
/// which the pipeline's "engine" options use too).</summary>
public sealed class EngineCliOptions
{
    public readonly Option<string> Engine = new("--engine")
    {
        Description = "local (TorchSharp, this machine) or torchrun (PyTorch's distributed engine: GPUs, many nodes; embeddings only)",
        DefaultValueFactory = _ => "local",
    };
    public readonly Option<int> NprocPerNode = new("--nproc-per-node") { Description = "torchrun: ranks (GPUs) on this node", DefaultValueFactory = _ => 1 };
    public readonly Option<int> Nnodes = new("--nnodes") { Description = "torchrun: nodes in the job", DefaultValueFactory = _ => 1 };
    public readonly Option<int> NodeRank = new("--node-rank") { Description = "torchrun: this node's rank (0 writes the model)", DefaultValueFactory = _ => 0 };
    public readonly Option<string?> RendezvousEndpoint = new("--rdzv-endpoint") { Description = "torchrun: HOST:PORT of node 0, where the nodes meet" };
    public readonly Option<int> RendezvousTimeout = new("--rdzv-timeout") { Description = "torchrun: seconds for every rank to start before the launch is given up", DefaultValueFactory = _ => 600 };
    public readonly Option<bool> PrintLaunch = new("--print-launch") { Description = "torchrun: prepare the job and print the torchrun command (for Slurm, Kubernetes …) instead of running it" };
    public readonly Option<bool> ActivationCheckpointing = new("--activation-checkpointing") { Description = "torchrun: recompute activations in the backward pass (less memory, ~1/3 more compute)" };

    public EngineCliOptions() => Engine.AcceptOnlyFromAmong("local", "torchrun");

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Engine, NprocPerNode, Nnodes, NodeRank, RendezvousEndpoint, RendezvousTimeout, PrintLaunch, ActivationCheckpointing })
            command.Options.Add(option);
    }

    /// <summary>The torchrun layout, or null for the local engine.</summary>
    public TorchrunLaunch? Read(ParseResult parse) => parse.GetValue(Engine) != "torchrun" ? null : new TorchrunLaunch
    {
        NprocPerNode = parse.GetValue(NprocPerNode), Nnodes = parse.GetValue(Nnodes), NodeRank = parse.GetValue(NodeRank),
        RendezvousEndpoint = parse.GetValue(RendezvousEndpoint), RendezvousTimeoutSeconds = parse.GetValue(RendezvousTimeout),
        PrintOnly = parse.GetValue(PrintLaunch), ActivationCheckpointing = parse.GetValue(ActivationCheckpointing),
    };
}
