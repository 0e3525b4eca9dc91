using System.Text;
using Lep.Formats;
using Lep.Formats.Safetensors;
using Lep.Runtime;
using Lep.Tests.Support;
using static TorchSharp.torch;

namespace Lep.Tests.Formats;

public class SafetensorsTests
{
    private static byte[] Build(string headerJson, int dataBytes)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var ms = new MemoryStream();
        ms.Write(BitConverter.GetBytes((ulong)header.Length));
        ms.Write(header);
        ms.Write(new byte[dataBytes]);
        return ms.ToArray();
    }

    private static string WriteFile(TempDir dir, byte[] bytes)
    {
        string path = dir.File("model.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void WriterRoundTripsEveryDtypeWithPtMetadataAndAlignedHeader()
    {
        using var dir = new TempDir();
        string path = dir.File("all.safetensors");
        var tensors = new List<PendingTensor>();
        foreach (DType dt in Enum.GetValues<DType>())
        {
            byte[] data = Enumerable.Range(0, 6 * dt.ItemSize()).Select(i => (byte)(i * 7 + (int)dt)).ToArray();
            tensors.Add(PendingTensor.FromBytes("t." + dt, dt, [2, 3], data));
        }
        tensors.Add(PendingTensor.FromBytes("scalar", DType.F32, [], BitConverter.GetBytes(1.5f)));
        tensors.Add(PendingTensor.FromBytes("empty", DType.F16, [0, 4], []));
        SafetensorsWriter.Write(path, tensors);

        byte[] raw = File.ReadAllBytes(path);
        Assert.Equal(0UL, BitConverter.ToUInt64(raw) % 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(tensors.Count, file.Tensors.Count);
        foreach (PendingTensor t in tensors)
        {
            TensorInfo info = file[t.Name];
            Assert.Equal(t.DType, info.DType);
            Assert.Equal(t.Shape, info.Shape);
            var expected = new MemoryStream();
            t.WriteData(expected);
            Assert.Equal(expected.ToArray(), file.GetBytes(info).ToArray());
        }
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp*"));
    }

    [Fact]
    public void TorchTensorsRoundTripThroughBf16AndChunkedCopies()
    {
        using var dir = new TempDir();
        string path = dir.File("t.safetensors");
        using Tensor x = randn(37, 11);
        SafetensorsWriter.Write(path, [PendingTensor.FromTorch("x", x), PendingTensor.FromTorch("xb", x, DType.BF16)]);
        using var file = SafetensorsFile.Open(path);
        using Tensor back = TensorBytes.ToFloat32(file, file["x"]);
        Assert.Equal(0.0, Numerics.MaxAbsDiff(back, x));
        using Tensor chunked = TensorBytes.ToTensor(file, file["x"], chunkBytes: 100);
        Assert.Equal(0.0, Numerics.MaxAbsDiff(chunked, x));
        using Tensor bf = TensorBytes.ToFloat32(file, file["xb"]);
        Assert.Equal(0.0, Numerics.MaxAbsDiff(bf, x.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32)));
    }

    [Fact]
    public void WriterFailureLeavesNoFile()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.safetensors");
        var bad = new PendingTensor("x", DType.F32, [4], s => s.Write(new byte[3]));
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(path, [bad]));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    public static TheoryData<string, byte[], string> BadFiles()
    {
        var data = new TheoryData<string, byte[], string>();
        data.Add("too short", [1, 2, 3], "truncated");
        data.Add("header past EOF", Build("{}", 0)[..9], "past the end");
        data.Add("not json", Build("{\"a\": [", 0), "not valid JSON");
        data.Add("unknown dtype", Build("{\"a\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "unknown dtype 'F8'");
        data.Add("shape/bytes mismatch", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12 bytes");
        data.Add("out of range", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "past the data area");
        data.Add("overlap", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap");
        data.Add("truncated data", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8)[..^3], "past the data area");
        data.Add("trailing bytes", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12), "cover 8");
        data.Add("negative dim", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "non-negative");
        data.Add("reversed offsets", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "invalid data_offsets");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFilesGiveOneLineErrorsNamingTheFile(string caseName, byte[] bytes, string expected)
    {
        using var dir = new TempDir();
        string path = WriteFile(dir, bytes);
        var e = Assert.Throws<LepInputException>(() => SafetensorsFile.Open(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(string.IsNullOrEmpty(caseName));
    }
}
