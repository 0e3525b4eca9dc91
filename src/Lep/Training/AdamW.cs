using Lep.Formats.Safetensors;
using Lep.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lep.Training;

/// <summary>
/// AdamW with decoupled weight decay (Loshchilov &amp; Hutter), written out so its state is ours to save and restore
/// exactly. Weight decay applies to matrices only (not norms or biases), as is usual for transformers.
/// An optional row mask limits updates to some rows of a parameter (e.g. only the new vocabulary rows).
/// </summary>
internal sealed class AdamW
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Tensor[] _m;
    private readonly Tensor[] _v;
    private readonly TrainingOptions _o;
    private readonly Dictionary<string, Tensor> _rowMasks = new(StringComparer.Ordinal);

    public int Step { get; private set; }

    public AdamW(IReadOnlyList<(string Name, Parameter Parameter)> parameters, TrainingOptions options)
    {
        _parameters = parameters;
        _o = options;
        _m = parameters.Select(p => zeros_like(p.Parameter)).ToArray();
        _v = parameters.Select(p => zeros_like(p.Parameter)).ToArray();
    }

    /// <summary>Only rows where <paramref name="mask"/> [rows] is true are updated (gradient and decay of the others are dropped).</summary>
    public void RestrictRows(string name, Tensor mask) => _rowMasks[name] = mask.to_type(ScalarType.Float32).unsqueeze(1);

    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters) p.grad?.zero_();
    }

    /// <summary>Clips the global gradient norm to <paramref name="maxNorm"/> (≤ 0: no clipping); returns the norm before clipping.</summary>
    public double ClipGradients(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor total = zeros(1, dtype: ScalarType.Float64);
        foreach (var (name, p) in _parameters)
        {
            if (p.grad is null) continue;
            if (_rowMasks.TryGetValue(name, out Tensor? mask)) p.grad.mul_(mask);
            total += p.grad.to_type(ScalarType.Float64).pow(2).sum().cpu();
        }
        double norm = Math.Sqrt(total.item<double>());
        if (maxNorm > 0 && norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            foreach (var (_, p) in _parameters) p.grad?.mul_(scale);
        }
        return norm;
    }

    public void Update(double learningRate)
    {
        Step++;
        double bias1 = 1 - Math.Pow(_o.Beta1, Step);
        double bias2 = 1 - Math.Pow(_o.Beta2, Step);
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var (name, p) = _parameters[i];
            if (p.grad is null) continue;
            using var scope = NewDisposeScope();
            Tensor g = p.grad;
            _m[i].mul_(_o.Beta1).add_(g, alpha: 1 - _o.Beta1);
            _v[i].mul_(_o.Beta2).addcmul_(g, g, value: 1 - _o.Beta2);
            Tensor update = (_m[i] / bias1) / ((_v[i] / bias2).sqrt_() + _o.Epsilon);
            if (_o.WeightDecay > 0 && p.dim() >= 2) update = update + p * _o.WeightDecay;
            if (_rowMasks.TryGetValue(name, out Tensor? mask)) update = update * mask;
            p.sub_(update * learningRate);
        }
    }

    /// <summary>Optimizer state as tensors named m.NAME / v.NAME (step is stored by the caller).</summary>
    public IEnumerable<PendingTensor> StateTensors()
    {
        for (int i = 0; i < _parameters.Count; i++)
        {
            yield return PendingTensor.FromTorch("m." + _parameters[i].Name, _m[i]);
            yield return PendingTensor.FromTorch("v." + _parameters[i].Name, _v[i]);
        }
    }

    public void LoadState(SafetensorsFile file, int step)
    {
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Count; i++)
        {
            using Tensor m = TensorBytes.ToTensor(file, file["m." + _parameters[i].Name]);
            using Tensor v = TensorBytes.ToTensor(file, file["v." + _parameters[i].Name]);
            _m[i].copy_(m);
            _v[i].copy_(v);
        }
        Step = step;
    }
}
