using Lep.Demo;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Formats.Safetensors;
using Lep.Pipeline;
using Lep.Tests.Support;
using Lep.Zoo;

namespace Lep.Tests.Demo;

public class DemoTests
{
    [SkippableFact]
    public void SmokeDemoRunsEveryVocabularyAndModeEvaluatesAllResumesAndNeverReusesSmokeStagesForOtherSizes()
    {
        using var dir = new TempDir();
        var zoo = TestZoo.Build(dir);
        var options = new DemoOptions { Zoo = zoo.OutputDirectory, OutputDirectory = dir.File("demo"), CorpusDirectory = zoo.CorpusDirectory, Profile = "smoke" };

        DemoResult result = new LepDemo(options, SilentPipelineUi.Instance).Run();

        string[] expected = ["instruct", "base", "donor-bpe", "lep-bpe-swap", "lep-bpe-overlap", "lep-bpe-conversion", "donor-unigram", "lep-unigram-swap",
            "lep-unigram-overlap", "lep-unigram-conversion", "donor-extended", "lep-extended-swap", "lep-extended-overlap", "lep-extended-conversion",
            "premise-overlap", "premise-conversion", "best-calibrated"];
        Assert.Equal(expected, result.Models.Select(m => m.Name));
        Assert.Equal(["zoo BPE", "zoo BPE", "bpe", "bpe", "bpe", "bpe", "unigram"], result.Models.Take(7).Select(m => m.Vocabulary));
        string[] baseLike = ["base", "donor-bpe", "donor-unigram", "donor-extended"];
        foreach (DemoModel m in result.Models)
        {
            Assert.NotNull(result.Results.Find(m.Name, "heldout_ru"));
            // Base-like models (no chat template) are measured on held-out text only; instruct-like ones on every task.
            Assert.Equal(!baseLike.Contains(m.Name), result.Results.Find(m.Name, "copy_ru") is not null);
        }
        // A LEP model keeps every transformer tensor of the instruct model, byte for byte.
        string instruct = Path.Combine(zoo.OutputDirectory, ZooModels.InstructName);
        using (var original = SafetensorsFile.Open(Path.Combine(instruct, "model.safetensors")))
        using (var lep = SafetensorsFile.Open(Path.Combine(result.Models.Single(m => m.Name == "lep-bpe-conversion").Dir, "model.safetensors")))
        {
            foreach (TensorInfo t in original.Tensors.Where(t => !t.Name.Contains("embed_tokens") && !t.Name.StartsWith("lm_head")))
                Assert.True(original.GetBytes(t).SequenceEqual(lep.GetBytes(lep[t.Name])), t.Name);
        }
        Assert.True(File.Exists(Path.Combine(result.ReportDirectory, "report.md")));

        // The best LEP model by Russian scores (oracle: the rule written out here) is calibrated and evaluated like the others.
        string best = result.Models.Where(m => m.Name.StartsWith("lep-"))
            .OrderByDescending(m => result.Results.Results.Where(r => r.Model == m.Name && r.Task.EndsWith("_ru") && r.Kind != TaskKind.LanguageModeling)
                .Select(r => r.Metrics[r.Primary]).Average())
            .ThenBy(m => m.Name, StringComparer.Ordinal).First().Name;
        Assert.Equal(best, result.Selected);
        DemoModel calibrated = result.Models[^1];
        Assert.Equal(result.Calibrated, calibrated.Dir);
        Assert.Equal(result.Models.Single(m => m.Name == best).Vocabulary, calibrated.Vocabulary);
        Assert.NotNull(result.Results.Find(calibrated.Name, "copy_ru"));
        Assert.True(File.Exists(Path.Combine(calibrated.Dir, "calibration.json")));

        // A second run finds every stage done (the markers decide) and reports the same numbers.
        DemoResult second = new LepDemo(options, SilentPipelineUi.Instance).Run();
        Assert.All(second.Run.Stages, s => Assert.Equal(StageState.Skip, s.State));
        Assert.Equal(result.Results.Find("lep-bpe-conversion", "heldout_ru")!.Metrics["bits_per_char"], second.Results.Find("lep-bpe-conversion", "heldout_ru")!.Metrics["bits_per_char"]);
        Assert.Contains(second.StageSeconds, s => s.Stage == "donor-bpe" && s.Seconds > 0);   // the time it took when it ran

        // Smoke, then another size into the same OUT: refused without --force; with it, a stage is reused only when its
        // options and inputs are the same under both profiles (oracle: the two definitions' hashes), never a smoke-sized one.
        foreach (string? profile in new string?[] { null, "full" })
        {
            var other = new LepDemo(options with { Profile = profile }, SilentPipelineUi.Instance);
            var refused = Assert.Throws<LepInputException>(() => other.Plan(other.Load()));
            Assert.Contains("holds a demo made with other settings (tokenizer-bpe: vocab-size 600 → 8192", refused.Message);

            PipelineDefinition smoke = new LepDemo(options, SilentPipelineUi.Instance).Load(), sized = other.Load();
            var same = new HashSet<string>();
            foreach (PipelineStage s in sized.Stages)
                if (s.OptionsHash == smoke.Find(s.Name)!.OptionsHash && s.Dependencies.All(same.Contains)) same.Add(s.Name);
            PipelinePlan plan = new LepDemo(options with { Profile = profile, RerunChanged = true }, SilentPipelineUi.Instance).Plan(sized);
            Assert.Equal(same.Order(), plan.Stages.Where(s => s.State == StageState.Skip).Select(s => s.Stage.Name).Order());
            Assert.Equal(["premise-conversion", "premise-overlap", "ru-en-train", "tasks"], same.Order());
            Assert.All(plan.Stages.Where(s => !same.Contains(s.Stage.Name)), s => Assert.True(s.WillRun, $"{s.Stage.Name}: {s.StateName}"));
        }
    }
}
