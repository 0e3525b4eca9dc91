using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Evaluation;
using Lep.Formats.Checkpoint;
using Lep.Tests.Support;
using Lep.Training;
using Lep.Zoo;

namespace Lep.Tests.Zoo;

public class ZooBuildTests
{
    private sealed class QuietUi : IZooUi
    {
        public List<string> Notes { get; } = [];
        public T Step<T>(string label, Func<IProgress<double>, T> work) => work(new Progress<double>());
        public void Note(string line) => Notes.Add(line);
        public TrainingResult Train(string label, Func<IProgress<TrainingProgress>, TrainingResult> work) => work(new Progress<TrainingProgress>());
    }

    /// <summary>A small corpus dir in `lep data build`'s layout, cut from the development data.</summary>
    private static string SmallCorpus(TempDir dir)
    {
        string corpus = dir.File("corpus");
        Directory.CreateDirectory(corpus);
        string shared = Path.Combine(TestData.Root, "corpus");
        foreach (string lang in new[] { "en", "ru" })
        {
            File.WriteAllText(Path.Combine(corpus, $"{lang}_train.txt"), string.Join("\n\n", DocumentReader.Read(Path.Combine(shared, $"{lang}_train.txt")).Take(400)) + "\n");
            File.WriteAllText(Path.Combine(corpus, $"{lang}_heldout.txt"), string.Join("\n\n", DocumentReader.Read(Path.Combine(shared, $"{lang}_heldout.txt")).Take(60)) + "\n");
        }
        File.WriteAllLines(Path.Combine(corpus, "parallel_dict.en-ru.tsv"), File.ReadLines(Path.Combine(shared, "parallel_dict.en-ru.tsv")).Take(3000));
        return corpus;
    }

    [Fact]
    public void QuickBuildWritesLoadableModelsWithAManifestAndResumes()
    {
        using var dir = new TempDir();
        var recipe = ZooRecipe.Quick with { VocabSize = 600, PretrainSteps = 8, PretrainWarmup = 2, InstructSteps = 4, InstructWarmup = 1, EvalItems = 4 };
        var options = new ZooBuildOptions { Recipe = recipe, CorpusDirectory = SmallCorpus(dir), OutputDirectory = dir.File("zoo"), WorkDirectory = dir.File("work") };
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

        var again = new QuietUi();
        new ZooBuilder(options, again).Build();
        Assert.Contains(again.Notes, n => n.StartsWith("base: done before"));
        Assert.Contains(again.Notes, n => n.StartsWith("instruct: done before"));
    }
}
