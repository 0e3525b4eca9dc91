using Lep.Demo;
using Lep.Formats.Safetensors;
using Lep.Tests.Support;
using Lep.Zoo;

namespace Lep.Tests.Demo;

public class DemoTests
{
    [SkippableFact]
    public void SmokeDemoRunsEveryVocabularyAndModeEvaluatesAllAndResumes()
    {
        using var dir = new TempDir();
        var zoo = TestZoo.Options(dir);
        new ZooBuilder(zoo, new QuietUi()).Build();
        var options = new DemoOptions { Zoo = zoo.OutputDirectory, OutputDirectory = dir.File("demo"), CorpusDirectory = zoo.CorpusDirectory, Recipe = DemoRecipe.Smoke };

        DemoResult result = new LepDemo(options, new QuietUi()).Run();

        string[] expected = ["instruct", "base", "donor-bpe", "lep-bpe-swap", "lep-bpe-overlap", "lep-bpe-conversion", "donor-unigram", "lep-unigram-swap",
            "lep-unigram-overlap", "lep-unigram-conversion", "donor-extended", "lep-extended-swap", "lep-extended-overlap", "lep-extended-conversion"];
        Assert.Equal(expected, result.Models.Select(m => m.Name).Take(expected.Length));
        foreach (DemoModel m in result.Models)
        {
            Assert.NotNull(result.Results.Find(m.Name, "heldout_ru"));
            if (m.IsInstruct) Assert.NotNull(result.Results.Find(m.Name, "copy_ru"));
        }
        // A LEP model keeps every transformer tensor of the instruct model, byte for byte.
        string instruct = Path.Combine(zoo.OutputDirectory, ZooBuilder.InstructName);
        using (var original = SafetensorsFile.Open(Path.Combine(instruct, "model.safetensors")))
        using (var lep = SafetensorsFile.Open(Path.Combine(result.Models.Single(m => m.Name == "lep-bpe-conversion").Dir, "model.safetensors")))
        {
            foreach (TensorInfo t in original.Tensors.Where(t => !t.Name.Contains("embed_tokens") && !t.Name.StartsWith("lm_head")))
                Assert.True(original.GetBytes(t).SequenceEqual(lep.GetBytes(lep[t.Name])), t.Name);
        }
        Assert.True(File.Exists(Path.Combine(result.ReportDirectory, "report.md")));
        // The best LEP model by Russian scores is calibrated, and evaluated like the others.
        DemoModel calibrated = result.Models[^1];
        Assert.Equal(result.Calibrated, calibrated.Dir);
        Assert.EndsWith("-calibrated", calibrated.Name);
        Assert.NotNull(result.Results.Find(calibrated.Name, "copy_ru"));
        Assert.True(File.Exists(Path.Combine(calibrated.Dir, "calibration.json")));

        var again = new QuietUi();
        DemoResult second = new LepDemo(options, again).Run();
        Assert.Contains(again.Notes, n => n.StartsWith("donor-bpe: done before"));
        Assert.Equal(result.Results.Find("lep-bpe-conversion", "heldout_ru")!.Metrics["bits_per_char"], second.Results.Find("lep-bpe-conversion", "heldout_ru")!.Metrics["bits_per_char"]);
    }
}
