using System.Buffers.Binary;
using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Tests.Oracles;
using LLama;
using LLama.Native;
using Xunit.Abstractions;

namespace Lep.Tests.Gguf;

/// <summary>The Q8_0 export: block layout by hand, bytes against llama.cpp's own quantizer, logits through llama.cpp.</summary>
[Collection("llama.cpp")]
public sealed class GgufQ8Tests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-gguf-q8-").FullName;
    private readonly ITestOutputHelper _out;
    public GgufQ8Tests(ITestOutputHelper output) => _out = output;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>One block worked by hand: d = max|x|/127 as fp16 first, then q = round(x/d), halves away from zero.</summary>
    [Fact]
    public void BlockLayoutByHand()
    {
        float[] x = new float[32];
        x[0] = -2.54f;     // max |x| → d = 0.02, q = -127
        x[1] = 1.27f;      // q = 63.5 → 64 (half away from zero)
        x[2] = -0.01f;     // q = -0.5 → -1
        x[3] = 0.004f;     // q = 0.2 → 0
        var block = new byte[34];
        Q8_0.Quantize(x, block);
        Assert.Equal((Half)0.02f, BinaryPrimitives.ReadHalfLittleEndian(block));
        Assert.Equal(new sbyte[] { -127, 64, -1, 0, 0 }, block[2..7].Select(b => (sbyte)b));
        float[] back = Q8_0.Dequantize(block);
        float d = (float)(Half)0.02f;
        Assert.Equal(-127 * d, back[0]);
        Assert.Equal(64 * d, back[1]);

        var zero = new byte[34];
        Q8_0.Quantize(new float[32], zero);
        Assert.All(zero, b => Assert.Equal(0, b));
        Assert.Throws<ArgumentException>(() => Q8_0.Quantize(new float[33], new byte[68]));
    }

    /// <summary>Our Q8_0 export against llama.cpp's quantizer run on our F32 export of the same model: every tensor gets
    /// the same type and the same bytes, and llama.cpp computes the same logits from both files.</summary>
    [Theory]
    [InlineData("mha")]
    [InlineData("tied-f16")]
    [InlineData("qwen2-bias")]
    public void MatchesLlamaCppQuantizer(string name)
    {
        ExportCase c = ExportCase.All.Single(x => x.Name == name);
        if (c.Hidden % 32 != 0) c = c with { Hidden = 64, Ffn = 96 }; // llama.cpp's quantizer refuses rows that are not whole blocks
        string hf = Path.Combine(_dir, "hf");
        c.WriteHfDir(hf);
        string f32 = Path.Combine(_dir, "f32.gguf"), ours = Path.Combine(_dir, "q8.gguf"), theirs = Path.Combine(_dir, "q8-llama.gguf");
        GgufExporter.Export(hf, f32, new GgufExportOptions { MatrixType = GgmlType.F32 });
        GgufExporter.Export(hf, ours, new GgufExportOptions { MatrixType = GgmlType.Q8_0 });
        using (new LlamaCpp(f32, contextSize: 8)) { } // loads the native library after the log callback is set
        Assert.True(LLamaQuantizer.Quantize(f32, theirs, LLamaFtype.MOSTLY_Q8_0, nthread: 2, quantizeOutputTensor: true), LlamaCpp.RecentLog());

        GgufReader a = GgufReader.Open(ours), b = GgufReader.Open(theirs);
        Assert.Equal(7, a.Metadata["general.file_type"].AsInteger());
        int quantized = 0;
        foreach (GgufTensorInfo t in a.Tensors)
        {
            GgufTensorInfo u = b.Tensor(t.Name);
            if (t.Type == GgmlType.Q8_0 && u.Type == GgmlType.Q8_0)
            {
                quantized++;
                Assert.True(a.ReadTensorBytes(t).AsSpan().SequenceEqual(b.ReadTensorBytes(u)), $"{name}: tensor {t.Name}: Q8_0 bytes differ from llama.cpp's");
            }
            else _out.WriteLine($"{name}: {t.Name} [{string.Join(",", t.Shape)}] ours {t.Type}, llama.cpp {u.Type}");
        }
        _out.WriteLine($"{name}: {quantized}/{a.Tensors.Count} tensors Q8_0 in both, byte-identical");
        Assert.True(quantized >= a.Tensors.Count(t => t.Shape.Length == 2 && t.Shape[^1] % 32 == 0) - 1, $"{name}: too few Q8_0 tensors compared");

        var rng = new Random(5);
        int vocab = Lep.Formats.Checkpoint.ModelConfig.Load(Path.Combine(hf, "config.json")).VocabSize;
        int[] tokens = Enumerable.Range(0, 24).Select(_ => rng.Next(vocab)).ToArray();
        float[][] got, want;
        using (var llama = new LlamaCpp(ours, contextSize: 32)) got = llama.Logits(tokens);
        using (var llama = new LlamaCpp(theirs, contextSize: 32)) want = llama.Logits(tokens);
        if (a.Tensors.Zip(b.Tensors).All(p => p.First.Type == p.Second.Type))
            for (int i = 0; i < tokens.Length; i++) Assert.Equal(want[i], got[i]);

        using var lm = LlamaForCausalLM.Load(hf);
        lm.eval();
        float[][] exact = GgufExportTests.TorchLogits(lm, tokens);
        double worst = Enumerable.Range(0, tokens.Length).Max(i => GgufExportTests.RelativeError(got[i], Array.ConvertAll(exact[i], v => (double)v)));
        _out.WriteLine($"{name}: Q8_0 logits vs torch fp32: worst relative error {worst:E2}");
        // llama.cpp also rounds the activations to 8 bits in Q8_0 matmuls; random tiny models amplify both roundings.
        // A wrong block layout gives errors near 1.
        Assert.True(worst < 0.15, $"{name}: Q8_0 logits relative error {worst:E2}");
    }

    /// <summary>Rows that are not whole 32-value blocks (hidden 48) stay F16, whole ones (ffn_down's 96) become Q8_0, and
    /// llama.cpp runs the mixed file.</summary>
    [Fact]
    public void RowsNotMultipleOf32StayF16()
    {
        ExportCase c = ExportCase.All.Single(x => x.Name == "tied-f16") with { Ffn = 96 };
        string hf = Path.Combine(_dir, "hf");
        c.WriteHfDir(hf);
        string gguf = Path.Combine(_dir, "mixed.gguf");
        GgufExporter.Export(hf, gguf, new GgufExportOptions { MatrixType = GgmlType.Q8_0 });
        GgufReader r = GgufReader.Open(gguf);
        foreach (GgufTensorInfo t in r.Tensors)
        {
            GgmlType expected = t.Shape.Length == 1 ? GgmlType.F32 : t.Shape[^1] % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F16;
            Assert.True(expected == t.Type, $"{t.Name} [{string.Join(",", t.Shape)}] is {t.Type}, expected {expected}");
        }
        Assert.Contains(r.Tensors, t => t.Type == GgmlType.Q8_0);
        Assert.Contains(r.Tensors, t => t.Type == GgmlType.F16);
        using var llama = new LlamaCpp(gguf, contextSize: 16);
        float[][] logits = llama.Logits([1, 5, 9, 200]);
        Assert.All(logits, row => Assert.All(row, v => Assert.True(float.IsFinite(v))));
    }
}
