using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Pipeline;
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
        foreach (string name in new[] { ZooModels.BaseName, ZooModels.InstructName })
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
            double model = manifest["scores"]![ZooModels.BaseName]![$"heldout_{lang}"]!["bits_per_char"]!.GetValue<double>();
            double unigram = manifest["baselines"]![$"heldout_{lang}"]!["character_unigram_bits_per_char"]!.GetValue<double>();
            Assert.True(model < unigram, $"{lang}: {model} bits/char vs unigram {unigram}");
        }
    }

    [Fact]
    public void TheShippedPairIsWhatTheFullProfileBuilds()
    {
        // `lep zoo build --profile full` must rebuild these models: their recipe is the zoo pipeline's variables (the
        // full profile), field for field. The shipped recipe.json predates the pipeline and names its fields as the
        // typed recipe did (VocabSize for VOCAB_SIZE); the variables added since hold the values that build had.
        PipelineDefinition zoo = BuiltInPipelines.Load(LepZoo.PipelineName, new PipelineLoadOptions { Environment = _ => null });
        JsonObject full = ZooPublisher.Recipe(zoo.Variables);
        JsonObject shipped = JsonFile.ReadObject(Path.Combine(Zoo, "recipe.json"));
        foreach (var (field, value) in shipped)
        {
            JsonNode? variable = full[VariableName(field)];
            Assert.True(variable is not null, $"{field}: no variable {VariableName(field)} in zoo.json");
            if (value!.GetValueKind() == System.Text.Json.JsonValueKind.Number) Assert.Equal(Number(value), Number(variable!));
            else Assert.Equal(value.ToJsonString(), variable!.ToJsonString());
        }
        var added = full.Where(kv => !shipped.Any(f => VariableName(f.Key) == kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value!.ToJsonString());
        Assert.Equal(new Dictionary<string, string>
        {
            ["CORPUS_PROFILE"] = "\"full\"", ["PRETRAIN_INSTRUCTION_TEXT"] = "false", ["PRETRAIN_TASK_RUSSIAN_SHARE"] = "1", ["PRETRAIN_COPY_ENGLISH"] = "0",
            ["PRETRAIN_COPY_RUSSIAN"] = "0", ["PRETRAIN_EVAL_EVERY"] = "125", ["PRETRAIN_INDUCTION_SHARE"] = "0", ["INSTRUCT_EVAL_EVERY"] = "75",
        }, added);
        string builtBy = JsonFile.ReadObject(Path.Combine(Zoo, "manifest.json"))["built_by"]!.GetValue<string>();
        Assert.Equal("lep zoo build --profile full", builtBy);
        Assert.Equal(builtBy, (string)zoo.Find(LepZoo.PublishStageName)!.Options["built-by"]!);
    }

    private static double Number(JsonNode n) => double.Parse(n.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>VocabSize → VOCAB_SIZE.</summary>
    private static string VariableName(string field) =>
        string.Concat(field.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));

    [Fact]
    public void EveryProfileEvaluatesAndCheckpointsTrainingTwentyTimes()
    {
        foreach (string? profile in new[] { null, "light", "quick" })
        {
            PipelineDefinition zoo = BuiltInPipelines.Load(LepZoo.PipelineName, new PipelineLoadOptions { Profile = profile, Environment = _ => null });
            foreach (string stage in new[] { "base", "instruct" })
            {
                JsonObject o = zoo.Find(stage)!.Options;
                Assert.Equal(Math.Max(1, (long)o["steps"]! / 20), (long)o["eval-every"]!);
                Assert.Equal(Math.Max(1, (long)o["steps"]! / 20), (long)o["checkpoint-every"]!);
            }
        }
    }

    [Fact]
    public void InstructModelGeneratesTheSameGreedyTokensInLlamaCpp()
    {
        string dir = Path.Combine(Zoo, ZooModels.InstructName);
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
