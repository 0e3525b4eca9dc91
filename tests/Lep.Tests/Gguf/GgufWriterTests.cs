using Lep.Formats.Gguf;

namespace Lep.Tests.Gguf;

public sealed class GgufWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-gguf-writer-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RoundTripsEveryMetadataTypeAndTensorData()
    {
        var w = new GgufWriter();
        w.Set("t.u8", GgufValue.UInt8(250)).Set("t.i8", GgufValue.Int8(-7)).Set("t.u16", GgufValue.UInt16(65000))
         .Set("t.i16", GgufValue.Int16(-30000)).Set("t.u32", GgufValue.UInt32(4_000_000_000)).Set("t.i32", GgufValue.Int32(-2_000_000_000))
         .Set("t.f32", GgufValue.Float32(1.5f)).Set("t.bool", GgufValue.Bool(true)).Set("t.str", GgufValue.String("привет ▁ Ġ"))
         .Set("t.u64", GgufValue.UInt64(ulong.MaxValue)).Set("t.i64", GgufValue.Int64(long.MinValue)).Set("t.f64", GgufValue.Float64(Math.PI))
         .Set("t.strs", GgufValue.Strings(["a", "", "Ġthe", "<0x0A>"])).Set("t.i32s", GgufValue.Int32s([1, -2, 3]))
         .Set("t.f32s", GgufValue.Float32s([0.5f, -1e-3f])).Set("t.bools", GgufValue.Array(GgufValueType.Bool, new[] { true, false }))
         .Set("t.u64s", GgufValue.Array(GgufValueType.UInt64, new ulong[] { 1, 2 }))
         .Set("t.nested", GgufValue.Array(GgufValueType.Array, new[] { GgufValue.Int32s([1]), GgufValue.Strings(["x", "y"]) }))
         .Set("t.empty", GgufValue.Strings([]))
         .Set(GgufWriter.AlignmentKey, GgufValue.UInt32(64));
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [0.25f, -0.5f, 1000f];
        w.AddTensor("a", a, [2, 3]);
        w.AddTensor("b", GgmlType.F16, [3], s => GgufWriter.WriteF16(s, b));
        string path = Path.Combine(_dir, "x.gguf");
        w.Write(path);

        var r = GgufReader.Open(path);
        Assert.Equal(3u, r.Version);
        Assert.Equal(64u, r.Alignment);
        Assert.Equal(w.Metadata.Select(kv => kv.Key), r.MetadataList.Select(kv => kv.Key));
        foreach (var (key, value) in w.Metadata)
        {
            GgufValue got = r.Metadata[key];
            Assert.Equal(value.Type, got.Type);
            if (value.Type != GgufValueType.Array) Assert.Equal(value.Value, got.Value);
            else Assert.Equal(value.ToString(), got.ToString());
        }
        Assert.Equal(new[] { "a", "", "Ġthe", "<0x0A>" }, r.Metadata["t.strs"].AsArray<string>());
        Assert.Equal(new[] { 1, -2, 3 }, r.Metadata["t.i32s"].AsArray<int>());
        Assert.Equal(new[] { "x", "y" }, r.Metadata["t.nested"].AsArray<GgufValue>()[1].AsArray<string>());
        Assert.Equal(new long[] { 2, 3 }, r.Tensor("a").Shape);
        Assert.Equal(0, (long)r.Tensor("a").Offset);
        Assert.Equal(64, (long)r.Tensor("b").Offset);
        Assert.Equal(0, r.DataOffset % 64);
        Assert.Equal(a, r.ReadTensorFloats(r.Tensor("a")));
        Assert.Equal(b, r.ReadTensorFloats(r.Tensor("b")));
    }

    [Fact]
    public void FailedWriteLeavesNothingAndKeepsOldFile()
    {
        string path = Path.Combine(_dir, "y.gguf");
        File.WriteAllText(path, "old");
        var w = new GgufWriter();
        w.AddTensor("bad", GgmlType.F32, [4], s => s.Write(new byte[8])); // writes 8 of 16 bytes
        Assert.Throws<InvalidOperationException>(() => w.Write(path));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void ReaderRejectsTruncatedAndForeignFiles()
    {
        var w = new GgufWriter().Set("k", "v");
        w.AddTensor("t", new float[64], [8, 8]);
        string path = Path.Combine(_dir, "z.gguf");
        w.Write(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^16]);
        var e = Assert.Throws<LepInputException>(() => GgufReader.Open(path));
        Assert.Contains("truncated", e.Message);
        File.WriteAllBytes(path, bytes[..30]);
        Assert.Throws<LepInputException>(() => GgufReader.Open(path));
        File.WriteAllText(path, "not a gguf file at all, just text");
        Assert.Contains("magic", Assert.Throws<LepInputException>(() => GgufReader.Open(path)).Message);
    }
}
