using System.Text.RegularExpressions;
using Lep.Formats.Safetensors;

namespace Lep.Formats.Checkpoint;

/// <summary>One thing wrong with a checkpoint: the file or dir it concerns and what is wrong, as an error line says it.</summary>
internal sealed record CheckpointProblem(string Path, string Problem)
{
    public LepInputException ToException() => new(Path, Problem);
    public override string ToString() => $"{Path}: {Problem}";
}

/// <summary>
/// THE check of a checkpoint against its config.json: every tensor the architecture needs is there with the shape the
/// config implies and a floating-point dtype, and nothing else is (a stored copy of a tied head and rotary caches are
/// tolerated). Model loading (<c>generate</c>, <c>eval</c>, <c>train</c>), the adaptation inputs (<c>init</c>,
/// <c>propagate</c>, merges) and <c>lep info</c> all go through here, so a dir one of them accepts the others accept.
/// Reads headers only.
/// </summary>
internal static partial class CheckpointLayout
{
    public const string EmbedName = "model.embed_tokens.weight";
    public const string HeadName = "lm_head.weight";

    /// <summary>The HF tensors of a Llama-family model with this config, with their shapes.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Expected(ModelConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, ffn = c.IntermediateSize;
        var list = new List<(string, long[])> { (EmbedName, [c.VocabSize, h]) };
        void Linear(string name, long inFeatures, long outFeatures, bool bias)
        {
            list.Add((name + ".weight", [outFeatures, inFeatures]));
            if (bias) list.Add((name + ".bias", [outFeatures]));
        }
        for (int i = 0; i < c.NumLayers; i++)
        {
            string layer = $"model.layers.{i}.";
            list.Add((layer + "input_layernorm.weight", [h]));
            Linear(layer + "self_attn.q_proj", h, q, c.QkvBias);
            Linear(layer + "self_attn.k_proj", h, kv, c.QkvBias);
            Linear(layer + "self_attn.v_proj", h, kv, c.QkvBias);
            Linear(layer + "self_attn.o_proj", q, h, c.OutputProjBias);
            list.Add((layer + "post_attention_layernorm.weight", [h]));
            Linear(layer + "mlp.gate_proj", h, ffn, c.MlpBias);
            Linear(layer + "mlp.up_proj", h, ffn, c.MlpBias);
            Linear(layer + "mlp.down_proj", ffn, h, c.MlpBias);
        }
        list.Add(("model.norm.weight", [h]));
        if (!c.TieWordEmbeddings) list.Add((HeadName, [c.VocabSize, h]));
        return list;
    }

    /// <summary>Loads DIR/config.json, opens the weights and throws the first problem (exit 2).</summary>
    public static void Validate(string directory)
    {
        ModelConfig config = ModelConfig.Load(Path.Combine(directory, "config.json"));
        using CheckpointReader weights = CheckpointReader.Open(directory);
        Validate(config, weights);
    }

    /// <summary>Throws the first of <see cref="Problems"/> as a <see cref="LepInputException"/>.</summary>
    public static void Validate(ModelConfig config, CheckpointReader weights)
    {
        if (Problems(config, weights).FirstOrDefault() is CheckpointProblem p) throw p.ToException();
    }

    /// <summary>Everything wrong with <paramref name="weights"/> for <paramref name="config"/>, most telling first: a
    /// layer count that disagrees, the vocabulary rows, then tensor by tensor.</summary>
    public static IReadOnlyList<CheckpointProblem> Problems(ModelConfig config, CheckpointReader weights)
    {
        var problems = new List<CheckpointProblem>();
        string dir = weights.Directory;
        var expected = Expected(config);
        var expectedNames = expected.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

        // Layers the checkpoint has against the layers the config says: one line instead of a line per tensor.
        var stored = weights.Names.Select(n => LayerIndex().Match(n)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToHashSet();
        bool layersDisagree = stored.Count > 0 && (stored.Count != config.NumLayers || stored.Max() != config.NumLayers - 1);
        if (layersDisagree)
            problems.Add(new(dir, $"the checkpoint has {stored.Count} layers (model.layers.{stored.Min()}…{stored.Max()}) but config.json says num_hidden_layers " +
                $"{config.NumLayers}"));
        bool WholeLayerProblem(string name) =>
            layersDisagree && LayerIndex().Match(name) is { Success: true } m
                && (!stored.Contains(int.Parse(m.Groups[1].Value)) || int.Parse(m.Groups[1].Value) >= config.NumLayers);

        foreach (var (name, shape) in expected)
        {
            if (!weights.Contains(name))
            {
                if (!WholeLayerProblem(name)) problems.Add(new(dir, $"checkpoint lacks tensor '{name}'"));
                continue;
            }
            TensorInfo info = weights.Info(name);
            string file = weights.FileOf(name).Path;
            if (!info.Shape.SequenceEqual(shape))
            {
                bool rowsOnly = name is EmbedName or HeadName && info.Shape.Length == 2 && info.Shape[1] == shape[1];
                if (!rowsOnly) problems.Add(new(file, $"tensor '{name}' has shape {info.ShapeText}, config.json implies [{string.Join(", ", shape)}]"));
                // A head with the embedding's wrong row count is the same vocab_size problem, said once.
                else if (name == EmbedName || !weights.Contains(EmbedName) || !weights.Info(EmbedName).Shape.SequenceEqual(info.Shape))
                    problems.Add(new(file, $"tensor '{name}' has {info.Shape[0]} rows but config.json says vocab_size {config.VocabSize}"));
            }
            else if (!info.DType.IsFloat())
                problems.Add(new(file, $"tensor '{name}' is {info.DType}, expected a floating-point type"));
        }
        foreach (string name in weights.Names.Order(StringComparer.Ordinal))
        {
            bool known = expectedNames.Contains(name) || (config.TieWordEmbeddings && name == HeadName) || name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal);
            if (!known && !WholeLayerProblem(name))
                problems.Add(new(dir, $"unexpected tensor '{name}' for {config.Architecture} with this config"));
        }
        // The vocabulary rows first: the most common inconsistency (a vocab_size edited or forgotten).
        return problems.OrderBy(p => p.Problem.Contains("vocab_size") || p.Problem.Contains("num_hidden_layers") ? 0 : 1).ToList();
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.")]
    private static partial Regex LayerIndex();
}
