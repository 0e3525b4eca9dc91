using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Tests.Support;
using Lep.Zoo;

namespace Lep.Tests.Zoo;

public class ZooBuildTests
{
    [SkippableFact]
    public void QuickBuildWritesLoadableModelsWithAManifestAndResumes()
    {
        using var dir = new TempDir();
        var options = TestZoo.Options(dir);
        JsonObject manifest = new ZooBuilder(options, new QuietUi()).Build();

        foreach (string name in new[] { ZooBuilder.BaseName, ZooBuilder.InstructName })
        {
            string model = Path.Combine(options.OutputDirectory, name);
            ModelSummary s = ModelSummary.Inspect(model);
            Assert.Equal("LlamaForCausalLM", s.Architecture);
            Assert.False(s.TiedEmbeddings);
            Assert.True(s.KeyValueHeads < s.Heads);
            Assert.Equal(["BF16"], s.ParametersByDtype.Keys);
            Assert.Equal(name == ZooBuilder.InstructName, s.HasChatTemplate);
            foreach (var (file, info) in manifest["models"]![name]!["files"]!.AsObject())
            {
                using var stream = File.OpenRead(Path.Combine(model, file));
                Assert.Equal(info!["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(stream)));
            }
        }
        var scores = manifest["scores"]!.AsObject();
        Assert.True(scores[ZooBuilder.BaseName]!["heldout_ru"]!["bits_per_char"]!.GetValue<double>() > 0);
        Assert.True(scores[ZooBuilder.InstructName]!.AsObject().Count >= 8);
        double unigram = manifest["baselines"]!["heldout_ru"]!["character_unigram_bits_per_char"]!.GetValue<double>();
        Assert.InRange(unigram, 3.0, 7.0);
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, ZooBuilder.BaseName + ".loss.png")));

        var again = new QuietUi();
        new ZooBuilder(options, again).Build();
        Assert.Contains(again.Notes, n => n.StartsWith("base: done before"));
        Assert.Contains(again.Notes, n => n.StartsWith("instruct: done before"));
    }
}

public class ZooRecipeTests
{
    [Fact]
    public void ARecipeFileRoundTripsAndUnknownFieldsAreErrors()
    {
        using var dir = new TempDir();
        var longer = ZooRecipe.Full with { PretrainSteps = 3000, InstructSteps = 1500 };
        File.WriteAllText(dir.File("recipe.json"), System.Text.Json.JsonSerializer.Serialize(longer));
        Assert.Equal(longer, ZooRecipe.Load(dir.File("recipe.json")) with { });
        File.WriteAllText(dir.File("partial.json"), """{"PretrainSteps": 5}""");
        Assert.Equal(ZooRecipe.Full with { PretrainSteps = 5 }, ZooRecipe.Load(dir.File("partial.json")));
        File.WriteAllText(dir.File("typo.json"), """{"PretrainStepz": 5}""");
        var e = Assert.Throws<LepInputException>(() => ZooRecipe.Load(dir.File("typo.json")));
        Assert.Contains("PretrainStepz", e.Message);
    }
}

public class RepeatedPassagesTests
{
    [Fact]
    public void APassageIsWholeLinesOfItsDocumentWrittenTwice()
    {
        string doc = string.Join('\n', Enumerable.Range(0, 40).Select(i => $"Line number {i} of the manual."));
        for (int seed = 0; seed < 20; seed++)
        {
            string repeated = RepeatedPassages.From(doc, new Random(seed))!;
            string[] lines = repeated.Split('\n');
            Assert.True(lines.Length % 2 == 0, repeated);
            string first = string.Join('\n', lines[..(lines.Length / 2)]);
            Assert.Equal(first + "\n" + first, repeated);
            Assert.InRange(first.Length, 1, RepeatedPassages.MaxPassageChars);
            Assert.Contains(first, doc);
        }
        string longLine = string.Join(' ', Enumerable.Repeat("word", 200));
        string cut = RepeatedPassages.From(longLine, new Random(1))!;
        Assert.InRange(cut.Length, 2 * 250, 2 * RepeatedPassages.MaxPassageChars + 1);
        Assert.Null(RepeatedPassages.From("\n\n", new Random(1)));
    }

    [Fact]
    public void TheShareOfDocumentsGettingAPassageIsSeededAndRoughlyAsAsked()
    {
        var docs = Enumerable.Range(0, 2000).Select(i => $"Document {i}.\nIt has two lines.").ToList();
        var (mixed, added) = RepeatedPassages.Add(docs, 0.3, seed: 7);
        Assert.Equal(mixed, RepeatedPassages.Add(docs, 0.3, seed: 7).Documents);
        Assert.InRange(mixed.Count - docs.Count, 500, 700);
        var originals = docs.ToHashSet();
        Assert.Equal(mixed.Where(d => !originals.Contains(d)).Sum(d => (long)d.Length), added);
        Assert.Equal(docs, mixed.Where(originals.Contains));
        Assert.Equal(docs, RepeatedPassages.Add(docs, 0, seed: 7).Documents);
    }
}
