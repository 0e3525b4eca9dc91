using Lep.Options;

namespace Lep.Training.Torchrun;

/// <summary>How `lep train --engine torchrun` lays out the engine's processes: ranks per node, nodes, this node's rank
/// and the rendezvous (node 0's host:port) that joins them.</summary>
public sealed record TorchrunLaunch
{
    /// <summary>Ranks (GPUs) on this node.</summary>
    public int NprocPerNode { get; init; } = TorchrunSchema.NprocPerNode.Default;
    /// <summary>Nodes in the job.</summary>
    public int Nnodes { get; init; } = TorchrunSchema.Nnodes.Default;
    /// <summary>This node's rank; node 0 writes the model.</summary>
    public int NodeRank { get; init; } = TorchrunSchema.NodeRank.Default;
    /// <summary>host:port of node 0, where the nodes meet; null on one node.</summary>
    public string? RendezvousEndpoint { get; init; } = TorchrunSchema.RendezvousEndpoint.Default;
    /// <summary>How long every rank of this node may take to start (the rendezvous, then loading torch and the model)
    /// before the launch is given up as a rendezvous that never formed.</summary>
    public int RendezvousTimeoutSeconds { get; init; } = TorchrunSchema.RendezvousTimeout.Default;
    /// <summary>Write the job and print the torchrun command instead of running it (for Slurm, Kubernetes …).</summary>
    public bool PrintOnly { get; init; }
    /// <summary>Recompute each layer's activations in the backward pass instead of keeping them (less memory, ~1/3 more compute).</summary>
    public bool ActivationCheckpointing { get; init; } = TorchrunSchema.ActivationCheckpointing.Default;
    /// <summary>The torchrun executable: a name looked up on PATH, or a path.</summary>
    public string Executable { get; init; } = "torchrun";

    /// <summary>Ranks in the whole job.</summary>
    public int WorldSize => NprocPerNode * Nnodes;

    /// <summary>Throws <see cref="OptionException"/> naming the <see cref="TorchrunSchema"/> options at fault, or the
    /// <see cref="TrainingSchema"/> ones the engine cannot run.</summary>
    public void Validate(TrainingOptions options)
    {
        TorchrunSchema.NprocPerNode.Require(NprocPerNode);
        TorchrunSchema.Nnodes.Require(Nnodes);
        TorchrunSchema.NodeRank.Require(NodeRank);
        if (NodeRank >= Nnodes) throw new OptionException(TorchrunSchema.NodeRank, $"must be < {TorchrunSchema.Nnodes} ({NodeRank} ≥ {Nnodes})");
        if (Nnodes > 1 && RendezvousEndpoint is null)
            throw new OptionException(TorchrunSchema.Nnodes, $"> 1 needs {TorchrunSchema.RendezvousEndpoint} HOST:PORT (node 0's address)");
        TorchrunSchema.RendezvousEndpoint.Require(RendezvousEndpoint);
        TorchrunSchema.RendezvousTimeout.Require(RendezvousTimeoutSeconds);
        OptionSetting torchrun = TorchrunSchema.Engine.Is("torchrun");
        if (options.Trainable != TrainableSet.EmbeddingsAndHead)
        {
            OptionSetting embeddings = TrainingSchema.Trainable.Is(TrainableSets.Name(TrainableSet.EmbeddingsAndHead));
            throw new OptionException($"{torchrun} trains embeddings only: use {embeddings} (or {TorchrunSchema.Engine.Is("local")})");
        }
        if (options.BatchSize % WorldSize != 0)
            throw new OptionException(TrainingSchema.BatchSize, $"{options.BatchSize} (rows per micro-batch, all ranks together) must be a multiple of the {WorldSize} ranks");
    }

    /// <summary>torchrun's default port of node 0's store (what a printed single-node command uses).</summary>
    public const int DefaultMasterPort = 29500;

    /// <summary>torchrun's arguments. Underscore spellings and explicit stream redirection because Debian 12's torch
    /// 1.13 knows no dashed options and, on Python 3.11, cannot parse its own default "--redirects 0".
    /// One node without an endpoint meets on the loopback address at <paramref name="masterPort"/>: torchrun's
    /// `--standalone` would hand the ranks this host's name as MASTER_ADDR, and where that name does not resolve
    /// (containers, CI sandboxes) every rank retries it for the 30-minute process-group timeout.</summary>
    public IReadOnlyList<string> Arguments(string enginePath, string jobPath, string logDirectory, int masterPort = DefaultMasterPort)
    {
        var args = new List<string>();
        if (Nnodes == 1 && RendezvousEndpoint is null) args.AddRange(["--master_addr", "127.0.0.1", "--master_port", masterPort.ToString()]);
        args.AddRange(["--nnodes", Nnodes.ToString(), "--nproc_per_node", NprocPerNode.ToString()]);
        if (RendezvousEndpoint is string endpoint)
            args.AddRange(["--node_rank", NodeRank.ToString(), "--rdzv_endpoint", endpoint, "--rdzv_conf", $"timeout={RendezvousTimeoutSeconds}"]);
        args.AddRange(["--max_restarts", "0", "--log_dir", logDirectory, "--redirects", "1", "--tee", "2", enginePath, jobPath]);
        return args;
    }
}
