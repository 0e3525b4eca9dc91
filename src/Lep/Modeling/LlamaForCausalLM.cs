using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lep.Modeling;

/// <summary>The decoder stack: HF's <c>model.*</c> parameters.</summary>
internal sealed class LlamaModel : nn.Module
{
    public readonly Parameter embed_tokens_weight;
    public readonly ModuleList<DecoderLayer> layers;
    public readonly RmsNorm norm;

    public LlamaModel(ModelConfig config) : base(nameof(LlamaModel))
    {
        embed_tokens_weight = new Parameter(empty(config.VocabSize, config.HiddenSize));
        layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, config.NumLayers).Select(i => new DecoderLayer(config, i)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }
}

/// <summary>
/// A Llama-family causal LM (Llama, Mistral, Qwen2) with HF semantics and HF parameter names, computing in fp32
/// (on CPU bf16 matmuls are ~500× slower) whatever the stored dtype.
/// </summary>
public sealed partial class LlamaForCausalLM : nn.Module
{
    internal readonly LlamaModel model;
    /// <summary>The output head [V, d] (HF's lm_head.weight); null when tied to the input embedding.</summary>
    public readonly Parameter? lm_head_weight;
    private readonly RotaryEmbedding _rope;

    /// <summary>The model's config.json.</summary>
    public ModelConfig Config { get; }
    /// <summary>Where the weights live and the forward pass runs.</summary>
    public Device Device { get; }

    /// <summary>An untrained model of <paramref name="config"/>'s shape on <paramref name="device"/> (default CPU);
    /// load or initialise its weights next.</summary>
    public LlamaForCausalLM(ModelConfig config, Device? device = null) : base(nameof(LlamaForCausalLM))
    {
        Config = config;
        Device = device ?? CPU;
        model = new LlamaModel(config);
        if (!config.TieWordEmbeddings) lm_head_weight = new Parameter(empty(config.VocabSize, config.HiddenSize));
        RegisterComponents();
        _rope = new RotaryEmbedding(config, Device);
        if (Device.type != DeviceType.CPU) this.to(Device);
    }

    /// <summary>The input embedding matrix [V, d] (shared with the head when tied).</summary>
    public Parameter EmbedTokens => model.embed_tokens_weight;

    /// <summary>The output head matrix [V, d].</summary>
    public Parameter LmHead => lm_head_weight ?? model.embed_tokens_weight;

    /// <summary>Parameters by their HF checkpoint names (tied heads appear once, as the embedding).</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> HfParameters()
    {
        var list = new List<(string, Parameter)>();
        foreach (var (name, p) in named_parameters())
        {
            list.Add((HfName(name), p));
        }
        return list;
    }

    /// <summary>Every linear projection of the decoder layers with its HF module name (e.g. "model.layers.0.self_attn.q_proj").</summary>
    internal IEnumerable<(string Name, LinearLayer Layer)> Projections()
    {
        for (int i = 0; i < model.layers.Count; i++)
        {
            DecoderLayer layer = model.layers[i];
            string attn = $"model.layers.{i}.self_attn.", mlp = $"model.layers.{i}.mlp.";
            yield return (attn + "q_proj", layer.self_attn.q_proj);
            yield return (attn + "k_proj", layer.self_attn.k_proj);
            yield return (attn + "v_proj", layer.self_attn.v_proj);
            yield return (attn + "o_proj", layer.self_attn.o_proj);
            yield return (mlp + "gate_proj", layer.mlp.gate_proj);
            yield return (mlp + "up_proj", layer.mlp.up_proj);
            yield return (mlp + "down_proj", layer.mlp.down_proj);
        }
    }

    /// <summary>True when LoRA adapters are attached (<see cref="AddLora"/>) and not yet merged.</summary>
    public bool HasLora => Projections().Any(p => p.Layer.Lora is not null);

    /// <summary>
    /// Attaches a LoRA adapter to every projection named in <paramref name="options"/>' targets (layer by layer, in
    /// <see cref="Projections"/> order; A drawn from one CPU generator seeded with <paramref name="seed"/>, B zeros).
    /// </summary>
    public void AddLora(LoraOptions options, long seed)
    {
        options.Validate();
        if (HasLora) throw new InvalidOperationException("the model already has LoRA adapters");
        var generator = new Generator((ulong)seed, CPU);
        foreach (var (name, layer) in Projections())
        {
            if (options.Targets.Contains(name[(name.LastIndexOf('.') + 1)..])) layer.AttachLora(options.Rank, options.Scale, generator);
        }
    }

    /// <summary>The adapters' factors by stable names: "PROJECTION.lora_A" [r, in] and "PROJECTION.lora_B" [out, r].</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> LoraParameters()
    {
        var list = new List<(string, Parameter)>();
        foreach (var (name, layer) in Projections())
        {
            if (layer.Lora is not { } lora) continue;
            list.Add((name + ".lora_A", lora.A));
            list.Add((name + ".lora_B", lora.B));
        }
        return list;
    }

    /// <summary>Folds every adapter into its weight (W += (alpha/r)·B·A) and removes the adapters.</summary>
    public void MergeLora()
    {
        foreach (var (_, layer) in Projections()) layer.MergeLora();
    }

    /// <summary>TorchSharp field paths → HF names (fields cannot contain the '.' of "embed_tokens.weight").</summary>
    private static string HfName(string name) => name switch
    {
        "model.embed_tokens_weight" => "model.embed_tokens.weight",
        "lm_head_weight" => "lm_head.weight",
        _ => name,
    };

    /// <summary>The next-token logits of every position; with <paramref name="cache"/>, the positions continue the cached ones
    /// and their keys/values are appended to it.</summary>
    /// <param name="inputIds">[B, T] int64</param>
    /// <param name="positions">[B, T] positions (defaults to cache length + 0..T-1)</param>
    /// <param name="mask">boolean [B|1, 1, T, S] where S = cached + T; null = causal</param>
    /// <param name="lastOnly">return logits for the last position only ([B, 1, V])</param>
    /// <returns>logits [B, T, V] in fp32</returns>
    public Tensor Forward(Tensor inputIds, Tensor? positions = null, Tensor? mask = null, KvCache? cache = null, bool lastOnly = false)
    {
        using var scope = NewDisposeScope();
        long b = inputIds.shape[0], t = inputIds.shape[1];
        int past = cache?.Length ?? 0;
        positions ??= arange(past, past + t, dtype: ScalarType.Int64, device: Device).unsqueeze(0).expand(b, t);
        if (mask is null && past > 0 && t > 1) mask = Masks.CausalWithPrefix(t, past, Device);
        var (cos, sin) = _rope.For(positions);
        Tensor h = model.embed_tokens_weight.index_select(0, inputIds.reshape(-1)).view(b, t, -1);
        foreach (DecoderLayer layer in model.layers) h = layer.Forward(h, cos, sin, mask, cache);
        cache?.Advance((int)t);
        if (lastOnly) h = h.narrow(1, t - 1, 1);
        h = model.norm.forward(h);
        return nn.functional.linear(h, LmHead).MoveToOuterDisposeScope();
    }

    /// <summary>An empty cache for <paramref name="batch"/> sequences of up to <paramref name="capacity"/> positions,
    /// for incremental <see cref="Forward"/> calls.</summary>
    public KvCache NewCache(long batch, int capacity) =>
        new(Config.NumLayers, batch, Config.NumKeyValueHeads, capacity, Config.HeadDim, Device);

    /// <summary>HF's _init_weights: N(0, initializerRange) for matrices, ones for norms, zeros for biases. Seeded.</summary>
    public void InitializeRandom(long seed, double initializerRange = 0.02)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed, Device);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("norm.weight")) p.fill_(1.0);
            else if (name.EndsWith(".bias")) p.zero_();
            else p.normal_(0, initializerRange, generator);
        }
    }

    /// <summary>Loads a model from an HF checkpoint dir (config.json + safetensors), converting weights to fp32.</summary>
    public static LlamaForCausalLM Load(string directory, Device? device = null, IProgress<double>? progress = null)
    {
        ModelConfig config = ModelConfig.Load(Path.Combine(directory, "config.json"));
        using CheckpointReader weights = CheckpointReader.Open(directory);
        var lm = new LlamaForCausalLM(config, device);
        lm.LoadWeights(weights, progress);
        return lm;
    }

    /// <summary>Copies the weights in after <see cref="CheckpointLayout.Validate(ModelConfig, CheckpointReader)"/>, the
    /// check every reader of a checkpoint shares.</summary>
    internal void LoadWeights(CheckpointReader weights, IProgress<double>? progress = null)
    {
        using var _ = no_grad();
        var parameters = HfParameters();
        var layout = CheckpointLayout.Expected(Config).ToDictionary(e => e.Name, e => e.Shape);
        if (layout.Count != parameters.Count || parameters.Any(p => !layout.TryGetValue(p.Name, out long[]? shape) || !shape.SequenceEqual(p.Parameter.shape)))
            throw new InvalidOperationException("CheckpointLayout.Expected disagrees with the model's parameters");
        CheckpointLayout.Validate(Config, weights);
        int done = 0;
        foreach (var (name, p) in parameters)
        {
            TensorInfo info = weights.Info(name);
            using Tensor stored = TensorBytes.ToTensor(weights.FileOf(name), info);
            p.copy_(stored);
            progress?.Report(++done / (double)parameters.Count);
        }
    }

    /// <summary>Writes config.json (+ generation_config.json when given) and the weights, stored as <paramref name="storage"/>.</summary>
    public void Save(string directory, DType storage = DType.F32, long maxShardBytes = CheckpointWriter.DefaultMaxShardBytes)
    {
        Directory.CreateDirectory(directory);
        ModelConfig config = Config.Clone();
        config.Json["torch_dtype"] = storage switch { DType.BF16 => "bfloat16", DType.F16 => "float16", _ => "float32" };
        config.Save(Path.Combine(directory, "config.json"));
        // Adapters are written folded into their weights (the model itself is left as it is): the dir has exactly
        // the HF tensors of the architecture.
        var adapted = Projections().Where(p => p.Layer.Lora is not null).ToDictionary(p => p.Name + ".weight", p => p.Layer);
        var tensors = HfParameters().Select(p => adapted.TryGetValue(p.Name, out LinearLayer? layer)
            ? MergedWeight(p.Name, layer, storage)
            : PendingTensor.FromTorch(p.Name, p.Parameter, storage)).ToList();
        CheckpointWriter.WriteWeights(directory, tensors, maxShardBytes);
    }

    private static PendingTensor MergedWeight(string name, LinearLayer layer, DType storage) =>
        new(name, storage, layer.weight.shape, stream =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            Tensor merged = (layer.weight + layer.Lora!.DeltaWeight()).to(CPU).to_type(storage.ToScalarType()).contiguous();
            stream.Write(merged.bytes);
        });

    /// <summary>Number of weights (a tied head counted once).</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
