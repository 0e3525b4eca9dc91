using Lep.Pipeline;
using Lep.Tests.Support;

namespace Lep.Tests.Pipeline;

/// <summary>The pipelines that ship with lep (built-in ones; examples/pipelines is checked by PipelineFileTests) load and
/// plan without problems, in every profile, and the CLI finds them by name.</summary>
public class ShippedPipelineTests
{
    [Fact]
    public void Every_built_in_pipeline_validates_in_every_profile_with_and_without_a_given_corpus()
    {
        Assert.Equal(["demo", "zoo"], BuiltInPipelines.Names);
        foreach (string name in BuiltInPipelines.Names)
        {
            IReadOnlyList<string> profiles = BuiltInPipelines.Load(name, new PipelineLoadOptions { Environment = _ => null }).Profiles;
            foreach (string? profile in profiles.Prepend(null))
                foreach (string? corpus in new[] { null, "/dummy/corpus" })
                {
                    var p = BuiltInPipelines.Load(name, new PipelineLoadOptions { Profile = profile, Environment = n => n == "LEP_CORPUS" ? corpus : null });
                    Assert.Empty(PipelinePlan.Create(p, checkInputs: false).Problems);
                    Assert.Equal(corpus is null, p.Find("corpus") is not null);
                    if (corpus is null)   // stages talk through references: only the first stage and the premise checks read nothing earlier
                        Assert.All(p.Stages.Where(s => s.Name != "corpus" && !s.Name.StartsWith("premise-")), s => Assert.NotEmpty(s.Dependencies));
                }
        }
    }

    [Fact]
    public void The_demo_profiles_carry_the_demo_sizes_into_the_stages()
    {
        PipelineDefinition Demo(string? profile) => BuiltInPipelines.Load("demo", new PipelineLoadOptions { Profile = profile, Environment = _ => null });
        // (profile, vocab-size, donor steps, eval items, calibration steps, warm-up = a tenth of the steps, at least 1)
        foreach (var (profile, vocab, steps, items, calibration, warmup) in new[] { ((string?)null, 8192, 150, 60, 60, 6), ("full", 8192, 600, 300, 150, 15), ("smoke", 600, 4, 3, 3, 1) })
        {
            PipelineDefinition p = Demo(profile);
            Assert.Equal(vocab, (long)p.Find("tokenizer-unigram")!.Options["vocab-size"]!);
            Assert.Equal(steps, (long)p.Find("donor-extended")!.Options["steps"]!);
            Assert.Equal(Math.Max(1, steps / 5), (long)p.Find("donor-extended")!.Options["eval-every"]!);
            Assert.Equal(items, (long)p.Find("eval-suite")!.Options["items"]!);
            Assert.Equal(items, (long)p.Find("eval-base")!.Options["limit"]!);
            Assert.Equal(calibration, (long)p.Find("best-calibrated")!.Options["steps"]!);
            Assert.Equal(warmup, (long)p.Find("best-calibrated")!.Options["warmup"]!);
        }
        // A built-in has no dir of its own: its paths are hashed absolute, so where lep starts does not change a stage
        // (relative to the current dir, "assets/zoo/lep-tiny-base" would be hashed as written).
        Assert.Equal(Path.GetFullPath("assets/zoo/lep-tiny-base"), (string)Demo(null).Find("tokenizer-bpe")!.Options["source"]!);
        Assert.Equal("@ru-en-train/text.txt", (string)Demo(null).Find("tokenizer-bpe")!.Options["corpus"]!);
    }

    [Fact]
    public void Lep_pipeline_show_prints_a_built_in_pipeline_and_its_plan()
    {
        var source = LepProcess.Run("pipeline", "show", "demo", "--source");
        Assert.Equal(0, source.ExitCode);
        Assert.Equal(BuiltInPipelines.Text("demo"), source.StdOut);

        using var dir = new TempDir();
        File.WriteAllText(dir.File("my-demo.json"), source.StdOut);           // a copy loads like the original
        var plan = LepProcess.Run("pipeline", "show", dir.File("my-demo.json"), "--profile", "smoke", "--work", dir.File("work"));
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("profiles: full, smoke", plan.StdOut);
        Assert.Contains("VOCAB_SIZE=600", plan.StdOut);
        Assert.Contains("best-calibrated (calibrate)", plan.StdOut);

        var missing = LepProcess.Run("pipeline", "show", "no-such-pipeline");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("pipeline file not found (built-in pipelines: demo, zoo)", missing.StdErr);

        // The zoo build as a pipeline: shown, and a copy validates with its quick profile.
        var zoo = LepProcess.Run("pipeline", "show", "zoo", "--source");
        Assert.Equal(0, zoo.ExitCode);
        Assert.Equal(BuiltInPipelines.Text("zoo"), zoo.StdOut);
        File.WriteAllText(dir.File("my-zoo.json"), zoo.StdOut);
        var zooPlan = LepProcess.Run("pipeline", "show", dir.File("my-zoo.json"), "--profile", "quick", "--work", dir.File("zoo-work"));
        Assert.Equal(0, zooPlan.ExitCode);
        Assert.Contains("profiles: light, quick", zooPlan.StdOut);
        Assert.Contains("instruct (instruct-tune)", zooPlan.StdOut);
    }
}
