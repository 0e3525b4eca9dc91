using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;

namespace Lep.Adaptation.Merging;

/// <summary>Checks shared by the merges.</summary>
internal static class MergeInputs
{
    public static void RequireNewOutput(string output, params ModelInput[] inputs)
    {
        static string Norm(string p) => Path.GetFullPath(p).TrimEnd('/');
        if (inputs.Any(m => Norm(m.Directory) == Norm(output)))
            throw new LepInputException(output, "the output dir is one of the input dirs; choose a new directory");
    }

    /// <summary>embed_tokens (and an untied lm_head) of every input are f32, f16 or bf16.</summary>
    public static void RequireFloatVocabulary(params ModelInput[] inputs)
    {
        foreach (ModelInput m in inputs)
            foreach (string name in m.VocabularyTensors)
                if (!m.Weights.Info(name).DType.IsFloat()) throw m.Refused($"'{name}' is not a float tensor");
    }

    /// <summary>The checkpoint has a float tensor of this name and shape.</summary>
    public static bool SameTensor(string name, TensorInfo info, CheckpointReader other) =>
        other.Contains(name) && other.Info(name).Shape.SequenceEqual(info.Shape) && other.Info(name).DType.IsFloat() && info.DType.IsFloat();
}
