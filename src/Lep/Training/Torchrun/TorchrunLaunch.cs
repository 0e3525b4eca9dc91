namespace Lep.Training.Torchrun;

/// <summary>How `lep train --engine torchrun` lays out the engine's processes: ranks per node, nodes, this node's rank
/// and the rendezvous (node 0's host:port) that joins them.</summary>
public sealed record TorchrunLaunch
{
    public int NprocPerNode { get; init; } = 1;
    public int Nnodes { get; init; } = 1;
    public int NodeRank { get; init; }
    public string? RendezvousEndpoint { get; init; }
    /// <summary>How long every rank of this node may take to start (the rendezvous, then loading torch and the model)
    /// before the launch is given up as a rendezvous that never formed.</summary>
    public int RendezvousTimeoutSeconds { get; init; } = 600;
    /// <summary>Write the job and print the torchrun command instead of running it (for Slurm, Kubernetes …).</summary>
    public bool PrintOnly { get; init; }
    /// <summary>Recompute each layer's activations in the backward pass instead of keeping them (less memory, ~1/3 more compute).</summary>
    public bool ActivationCheckpointing { get; init; }
    /// <summary>The torchrun executable: a name looked up on PATH, or a path.</summary>
    public string Executable { get; init; } = "torchrun";

    public int WorldSize => NprocPerNode * Nnodes;

    public void Validate(TrainingOptions options)
    {
        if (NprocPerNode < 1) throw new ArgumentException("--nproc-per-node must be ≥ 1");
        if (Nnodes < 1) throw new ArgumentException("--nnodes must be ≥ 1");
        if (NodeRank < 0 || NodeRank >= Nnodes) throw new ArgumentException($"--node-rank must be within [0, {Nnodes - 1}]");
        if (Nnodes > 1 && RendezvousEndpoint is null) throw new ArgumentException("--nnodes > 1 needs --rdzv-endpoint HOST:PORT (node 0's address)");
        if (RendezvousEndpoint is string e && !IsHostPort(e)) throw new ArgumentException($"--rdzv-endpoint '{e}' is not HOST:PORT");
        if (RendezvousTimeoutSeconds < 1) throw new ArgumentException("--rdzv-timeout must be ≥ 1 s");
        if (options.Trainable != TrainableSet.EmbeddingsAndHead)
            throw new ArgumentException("the torchrun engine trains embeddings only: use --trainable embeddings (or --engine local)");
        if (options.BatchSize % WorldSize != 0)
            throw new ArgumentException($"--batch-size {options.BatchSize} (rows per micro-batch, all ranks together) must be a multiple of the {WorldSize} ranks");
    }

    private static bool IsHostPort(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint[(colon + 1)..], out int port) && port is > 0 and < 65536;
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
