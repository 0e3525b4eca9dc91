using System.Text.Json;
using Lep.Formats;
using Lep.Formats.Safetensors;
using Lep.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lep.Training;

/// <summary>
/// What a run needs to continue exactly where it stopped: the trainable parameters, the optimizer's moments and the
/// step (the data order is a function of the seed and the step). Written to a staging dir and swapped in atomically.
/// </summary>
internal static class TrainingCheckpoint
{
    public const string DirectoryName = "checkpoint";
    private const string ParamsFile = "params.safetensors";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string StateFile = "state.json";

    public sealed record State(int Step, long TokensSeen, double ElapsedSeconds, string OptionsFingerprint);

    public static string PathIn(string runDir) => System.IO.Path.Combine(runDir, DirectoryName);

    public static void Save(string runDir, IReadOnlyList<(string Name, Parameter Parameter)> trainable, AdamW optimizer, State state)
    {
        using var staging = new StagingDirectory(PathIn(runDir), replace: true);
        SafetensorsWriter.Write(staging.File(ParamsFile), trainable.Select(p => PendingTensor.FromTorch(p.Name, p.Parameter)).ToList());
        SafetensorsWriter.Write(staging.File(OptimizerFile), optimizer.StateTensors().ToList());
        File.WriteAllText(staging.File(StateFile), JsonSerializer.Serialize(state));
        staging.Commit();
    }

    public static State? TryLoad(string runDir, IReadOnlyList<(string Name, Parameter Parameter)> trainable, AdamW optimizer, string fingerprint)
    {
        string dir = PathIn(runDir);
        string statePath = System.IO.Path.Combine(dir, StateFile);
        if (!File.Exists(statePath)) return null;
        State state = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath))
            ?? throw new LepInputException(statePath, "empty checkpoint state");
        if (state.OptionsFingerprint != fingerprint)
            throw new LepInputException(statePath, "the checkpoint was written by a run with other options or data; delete it or use the same settings to resume");
        using (no_grad())
        using (var file = SafetensorsFile.Open(System.IO.Path.Combine(dir, ParamsFile)))
        {
            foreach (var (name, p) in trainable)
            {
                using Tensor saved = TensorBytes.ToTensor(file, file[name]);
                p.copy_(saved);
            }
        }
        using (var file = SafetensorsFile.Open(System.IO.Path.Combine(dir, OptimizerFile)))
        {
            optimizer.LoadState(file, state.Step);
        }
        return state;
    }
}
