using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Tests.Oracles;
using Lep.Tests.Support;
using Lep.Tokenization;
using Lep.Tokenization.ChatTemplates;
using Lep.Zoo;

namespace Lep.Tests.Zoo;

/// <summary>The pair shipped in assets/zoo: what the manifest promises, and that llama.cpp runs it as we do.</summary>
[Collection("llama.cpp")]
public sealed class ShippedZooTests
{
    private static string Zoo => TestZoo.Shipped;

    [Fact]
    public void ManifestHashesSizesAndScoresHold()
    {
        JsonObject manifest = JsonFile.ReadObject(Path.Combine(Zoo, "manifest.json"));
        foreach (string name in new[] { ZooBuilder.BaseName, ZooBuilder.InstructName })
        {
            string dir = Path.Combine(Zoo, name);
            foreach (var (file, info) in manifest["models"]![name]!["files"]!.AsObject())
            {
                string path = Path.Combine(dir, file);
                Assert.True(new FileInfo(path).Length <= 25L << 20, $"{path} is over 25 MB");
                using var stream = File.OpenRead(path);
                Assert.Equal(info!["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(stream)));
            }
            ModelSummary s = ModelSummary.Inspect(dir);
            Assert.True(s.ParameterCount <= 10_000_000, $"{name}: {s.ParameterCount} parameters");
            Assert.Equal(["BF16"], s.ParametersByDtype.Keys);
        }
        // The base beats a character unigram model on held-out text in both languages.
        foreach (string lang in new[] { "en", "ru" })
        {
            double model = manifest["scores"]![ZooBuilder.BaseName]![$"heldout_{lang}"]!["bits_per_char"]!.GetValue<double>();
            double unigram = manifest["baselines"]![$"heldout_{lang}"]!["character_unigram_bits_per_char"]!.GetValue<double>();
            Assert.True(model < unigram, $"{lang}: {model} bits/char vs unigram {unigram}");
        }
    }

    [Fact]
    public void TheShippedPairIsWhatTheFullProfileBuilds()
    {
        // `lep zoo build --profile full` must rebuild these models: their recipe is the full profile, field for field.
        Assert.Equal(ZooRecipe.Full, ZooRecipe.Load(Path.Combine(Zoo, "recipe.json")));
        Assert.Equal("lep zoo build --profile full", JsonFile.ReadObject(Path.Combine(Zoo, "manifest.json"))["built_by"]!.GetValue<string>());
    }

    [Fact]
    public void InstructModelGeneratesTheSameGreedyTokensInLlamaCpp()
    {
        string dir = Path.Combine(Zoo, ZooBuilder.InstructName);
        using var temp = new TempDir();
        string gguf = temp.File("instruct.gguf");
        GgufExporter.Export(dir, gguf, new GgufExportOptions { MatrixType = GgmlType.F32 });

        Tokenizer tokenizer = Tokenizer.Load(dir);
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(Path.Combine(dir, "tokenizer_config.json"));
        int[] prompt = tokenizer.Encode(template.Render([new("user", "Repeat exactly: The package contains the documentation.")], addGenerationPrompt: true), addSpecialTokens: false);
        using var lm = LlamaForCausalLM.Load(dir);
        lm.eval();
        int[] ours = Generation.Generate(lm, prompt, new SamplingOptions { MaxNewTokens = 16 }).ToArray();
        using var llama = new LlamaCpp(gguf);
        Assert.Equal(prompt, llama.Tokenize(tokenizer.Decode(prompt, skipSpecialTokens: false), parseSpecial: true));
        Assert.Equal(ours, llama.Generate(prompt, ours.Length));
    }
}
