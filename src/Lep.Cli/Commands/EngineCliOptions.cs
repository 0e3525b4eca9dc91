using System.CommandLine;
using Lep.Training.Torchrun;

namespace Lep.Cli.Commands;

/// <summary>`lep train`'s choice of engine and the torchrun layout (<see cref="TorchrunSchema"/>; checks:
/// <see cref="TorchrunLaunch.Validate"/>), and --print-launch, which only the command line has.</summary>
public sealed class EngineCliOptions
{
    public readonly Option<string> Engine = SchemaOptions.Create(TorchrunSchema.Engine);
    public readonly Option<int> NprocPerNode = SchemaOptions.Create(TorchrunSchema.NprocPerNode);
    public readonly Option<int> Nnodes = SchemaOptions.Create(TorchrunSchema.Nnodes);
    public readonly Option<int> NodeRank = SchemaOptions.Create(TorchrunSchema.NodeRank);
    public readonly Option<string?> RendezvousEndpoint = SchemaOptions.Create(TorchrunSchema.RendezvousEndpoint);
    public readonly Option<int> RendezvousTimeout = SchemaOptions.Create(TorchrunSchema.RendezvousTimeout);
    public readonly Option<bool> PrintLaunch = new("--print-launch")
    {
        Description = "torchrun: prepare the job and print the torchrun command (for Slurm, Kubernetes …) instead " +
        "of running it"
    };
    public readonly Option<bool> ActivationCheckpointing = SchemaOptions.Create(TorchrunSchema.ActivationCheckpointing);

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
