using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Tests.Support;

namespace Lep.Tests.Formats;

public class CheckpointTests
{
    [Fact]
    public void ConfigKeepsUnknownFieldsAndParsesEveryFamily()
    {
        using var dir = new TempDir();
        string path = dir.File("config.json");
        File.WriteAllText(path, """
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":4096,"intermediate_size":14336,
             "num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"vocab_size":128256,
             "rms_norm_eps":1e-05,"rope_theta":500000.0,"max_position_embeddings":131072,
             "rope_scaling":{"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192,"rope_type":"llama3"},
             "bos_token_id":128000,"eos_token_id":[128001,128008,128009],"tie_word_embeddings":false,
             "torch_dtype":"bfloat16","my_custom_field":{"nested":[1,2,3]}}
            """);
        ModelConfig config = ModelConfig.Load(path);
        Assert.Equal(8, config.NumKeyValueHeads);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal("llama3", config.RopeScaling!.Type);
        Assert.Equal(8192, config.RopeScaling.OriginalMaxPositionEmbeddings);
        Assert.Equal([128001, 128008, 128009], config.EosTokenIds);
        config.SetVocabulary(50000, eos: [7]);
        config.Save(path);
        JsonObject back = JsonFile.ReadObject(path);
        Assert.Equal(3, back["my_custom_field"]!["nested"]!.AsArray().Count);
        Assert.Equal(50000, back.GetInt("vocab_size"));
        Assert.Equal(7, back.GetInt("eos_token_id"));

        var qwen = ModelConfig.Create("Qwen2ForCausalLM", 100, 64, 128, 1, 4, 2, tieWordEmbeddings: true);
        Assert.True(qwen.QkvBias);
        Assert.False(qwen.OutputProjBias);
    }

    [Theory]
    [InlineData("{\"architectures\":[\"GPT2LMHeadModel\"],\"hidden_size\":8}", "unsupported architecture 'GPT2LMHeadModel'")]
    [InlineData("{\"architectures\":[\"LlamaForCausalLM\"],\"intermediate_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"vocab_size\":10}", "'hidden_size'")]
    [InlineData("{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":8,\"intermediate_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"num_key_value_heads\":3,\"vocab_size\":10}", "not a multiple")]
    [InlineData("{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":8,\"intermediate_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"vocab_size\":10,\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":2}}", "unsupported rope_scaling type 'yarn'")]
    [InlineData("{not json", "invalid JSON")]
    public void BadConfigsAreRejectedWithTheFileName(string json, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File("config.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<LepInputException>(() => ModelConfig.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ShardIndexNamingAMissingFileIsRejected()
    {
        using var dir = new TempDir();
        var tensors = Enumerable.Range(0, 4).Select(i => PendingTensor.FromBytes($"w{i}", DType.F32, [64], new byte[256])).ToList();
        CheckpointWriter.WriteWeights(dir.Path, tensors, maxShardBytes: 512);
        using (var reader = CheckpointReader.Open(dir.Path))
        {
            Assert.Equal(4, reader.Count);
            Assert.Equal(2, reader.Files.Count);
        }
        File.Delete(dir.File("model-00002-of-00002.safetensors"));
        var e = Assert.Throws<LepInputException>(() => CheckpointReader.Open(dir.Path));
        Assert.Contains("model-00002-of-00002.safetensors", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.StartsWith(dir.File(CheckpointReader.IndexFile), e.Message);
    }

    [Fact]
    public void StagingDirectoryPublishesOnlyOnCommit()
    {
        using var dir = new TempDir();
        string final = Path.Combine(dir.Path, "out");
        using (var staging = new StagingDirectory(final, replace: false))
        {
            File.WriteAllText(staging.File("a.txt"), "x");
        }
        Assert.False(Directory.Exists(final));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        using (var staging = new StagingDirectory(final, replace: false))
        {
            File.WriteAllText(staging.File("a.txt"), "y");
            staging.Commit();
        }
        Assert.Equal("y", File.ReadAllText(Path.Combine(final, "a.txt")));
    }
}
