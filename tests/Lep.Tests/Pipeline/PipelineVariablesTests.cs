using Lep.Options;
using Lep.Pipeline;
using Lep.Tests.Support;

namespace Lep.Tests.Pipeline;

/// <summary>A file's "variables" and "profiles", and stages left out by "unless-set" (no models: fast).</summary>
public class PipelineVariablesTests
{
    /// <summary>"echo": writes its "text" to out.txt (after its input's, if any).</summary>
    private sealed class EchoKind : StageKind
    {
        private static readonly OptionSpec<string> Text = new("text", "test", "", null, required: true);
        private static readonly OptionSpec<int> N = OptionSpec.Int("n", 0, "test");
        private static readonly OptionSpec<string?> Input = OptionSpec.OptionalPath("input", "test");

        public override string Name => "echo";
        public override string Description => "test";

        public override StageAction Bind(StageOptions o)
        {
            string text = o.Get(Text);
            o.Get(N);
            string? input = o.Get(Input);
            return ctx =>
            {
                File.WriteAllText(Path.Combine(ctx.Output, "out.txt"), (input is null ? "" : File.ReadAllText(Path.Combine(input, "out.txt"))) + text);
                return text;
            };
        }
    }

    private static readonly StageKindRegistry Kinds = new([new EchoKind()]);

    private const string File1 = """
        {
          "variables": { "SIZE": 8192, "NAME": "real", "ON": true },
          "profiles": { "smoke": { "SIZE": 600, "NAME": "toy" }, "full": { "SIZE": 16384 } },
          "stages": [
            { "name": "given", "kind": "echo", "unless-set": "GIVEN", "text": "built" },
            { "name": "use", "kind": "echo", "text": "${NAME}-${ON}", "n": "${SIZE}", "input": "${GIVEN:-@given}" }
          ]
        }
        """;

    private static PipelineDefinition Load(TempDir dir, string? profile = null, Func<string, string?>? env = null, string json = File1)
    {
        string path = dir.File("p.json");
        File.WriteAllText(path, json);
        return PipelineDefinition.Load(path, new PipelineLoadOptions { Kinds = Kinds, Profile = profile, Environment = env ?? (_ => null) });
    }

    [Fact]
    public void A_profile_replaces_the_files_variables_and_the_environment_replaces_both()
    {
        using var dir = new TempDir();
        Assert.Equal(8192, (long)Load(dir).Find("use")!.Options["n"]!);
        Assert.Equal("real-true", (string)Load(dir).Find("use")!.Options["text"]!);
        PipelineDefinition smoke = Load(dir, "smoke");
        Assert.Equal(600, (long)smoke.Find("use")!.Options["n"]!);
        Assert.Equal("toy-true", (string)smoke.Find("use")!.Options["text"]!);
        Assert.Equal(16384, (long)Load(dir, "full").Find("use")!.Options["n"]!);
        Assert.Equal("real", Load(dir, "full").Variables["NAME"]);                           // a profile changes only what it names
        Assert.Equal(42, (long)Load(dir, "smoke", n => n == "SIZE" ? "42" : null).Find("use")!.Options["n"]!);
        Assert.Equal(["smoke", "full"], smoke.Profiles);
        // Different sizes, different stages: the hash sees the expanded values.
        Assert.NotEqual(Load(dir).Find("use")!.OptionsHash, smoke.Find("use")!.OptionsHash);
        Assert.Equal(Load(dir).Find("given")!.OptionsHash, smoke.Find("given")!.OptionsHash);
    }

    [Fact]
    public void A_stage_is_left_out_while_its_unless_set_variable_is_set()
    {
        using var dir = new TempDir();
        PipelineDefinition built = Load(dir);
        Assert.Equal(["given", "use"], built.Stages.Select(s => s.Name));
        Assert.Equal(["given"], built.Find("use")!.Dependencies);
        new PipelineRunner().Run(PipelinePlan.Create(built));
        Assert.Equal("builtreal-true", File.ReadAllText(Path.Combine(built.WorkDirectory, "use", "out.txt")));

        Directory.CreateDirectory(dir.File("mine"));
        File.WriteAllText(dir.File("mine/out.txt"), "mine:");
        PipelineDefinition given = Load(dir, env: n => n == "GIVEN" ? dir.File("mine") : null);
        Assert.Equal(["use"], given.Stages.Select(s => s.Name));
        Assert.Equal("GIVEN", given.LeftOut["given"]);
        Assert.Empty(given.Find("use")!.Dependencies);
        PipelinePlan plan = PipelinePlan.Create(given);
        Assert.Equal(StageState.Changed, plan.Stages.Single().State);       // its input changed from @given to mine/
        new PipelineRunner().Run(PipelinePlan.Create(given, new PipelineSelection { Force = ["use"] }));
        Assert.Equal("mine:real-true", File.ReadAllText(Path.Combine(given.WorkDirectory, "use", "out.txt")));
    }

    [Theory]
    [InlineData("\"input\": \"${GIVEN:-@given}\"", "\"input\": \"@given\"", "stage 'use': option 'input': '@given' refers to stage 'given', which is left out because GIVEN is set")]
    [InlineData("\"full\": { \"SIZE\": 16384 }", "\"full\": { \"SIZ\": 16384 }", "profile 'full': 'SIZ' is not one of the file's \"variables\"")]
    [InlineData("\"NAME\": \"real\"", "\"NAME\": [1]", "'variables': 'NAME' must be a string, a number or true/false")]
    public void Bad_variables_and_references_to_a_left_out_stage_are_errors(string from, string to, string message)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<LepInputException>(() => Load(dir, env: n => n == "GIVEN" ? "/x" : null, json: File1.Replace(from, to)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void An_unknown_profile_is_an_error_naming_the_profiles()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<LepInputException>(() => Load(dir, "tiny"));
        Assert.Contains("no profile 'tiny' (profiles: smoke, full)", e.Message);
    }
}
