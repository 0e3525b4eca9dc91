using Lep.Tests.Support;

namespace Lep.Tests.Adaptation;

/// <summary>
/// A bad model dir is named by the option it was given as, in the caller's words: the flag on the command line
/// (<c>--base DIR: …</c>), the stage's key in a pipeline (<c>stage 'p': option 'base': DIR: …</c>). The library
/// (<see cref="Lep.Adaptation.ModelInput"/>) carries the option, not a flag.
/// </summary>
public sealed class ModelRoleErrorTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly string _model = Path.Combine(TestZoo.Shipped, "lep-tiny-base");
    private readonly string _noConfig;

    public ModelRoleErrorTests()
    {
        // A model dir without config.json: its tokenizer and weights, nothing else.
        _noConfig = _root.File("no-config");
        Directory.CreateDirectory(_noConfig);
        foreach (string f in Directory.GetFiles(_model).Where(f => Path.GetFileName(f) != "config.json"))
            File.Copy(f, Path.Combine(_noConfig, Path.GetFileName(f)));
    }

    public void Dispose() => _root.Dispose();

    private static string LastErrorLine(LepProcess.Result r)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}\n{r.StdOut}\n{r.StdErr}");
        return r.StdErr.TrimEnd().Split('\n')[^1];
    }

    [Fact]
    public void Propagate_names_the_flag_on_the_command_line()
    {
        var r = LepProcess.Run("propagate", "--base", _noConfig, "--instruct", _model, "--donor", _model, "--out", _root.File("out"));
        Assert.Equal($"error: --base {_noConfig}: no config.json", LastErrorLine(r));
        Assert.False(Path.Exists(_root.File("out")));
    }

    [Fact]
    public void Merge_names_the_flag_on_the_command_line()
    {
        var r = LepProcess.Run("merge", "linear", "--a", _model, "--b", _noConfig, "--weight", "0.5", "--out", _root.File("out"));
        Assert.Equal($"error: --b {_noConfig}: no config.json", LastErrorLine(r));
        Assert.False(Path.Exists(_root.File("out")));
    }

    [Fact]
    public void Propagate_names_the_stage_key_in_a_pipeline()
    {
        string file = Pipeline($$"""{"name": "p", "kind": "propagate", "base": "no-config", "instruct": "{{_model}}", "donor": "{{_model}}"}""");
        Assert.Equal($"error: {file}: stage 'p': option 'base': {_noConfig}: no config.json", LastErrorLine(LepProcess.Run("pipeline", "run", file)));
    }

    [Fact]
    public void Merge_names_the_stage_key_in_a_pipeline()
    {
        string file = Pipeline($$"""{"name": "m", "kind": "merge", "a": "{{_model}}", "b": "no-config", "weight": 0.5}""");
        Assert.Equal($"error: {file}: stage 'm': option 'b': {_noConfig}: no config.json", LastErrorLine(LepProcess.Run("pipeline", "run", file)));
    }

    [Fact]
    public void An_option_inside_the_problem_is_worded_too()
    {
        // A donor of another model family (hidden size 32, the zoo's is 256): the message names both models by their options.
        string donor = AdaptationFixtures.Create(_root.File("trio"), storage: Lep.Formats.DType.F32, q: "none").Donor;
        string cli = LastErrorLine(LepProcess.Run("merge", "chat-vector", "--base", _model, "--instruct", _model, "--donor", donor, "--out", _root.File("out")));
        Assert.Equal($"error: --donor {donor}: hidden_size is 32 but --base has 256: not the same model family", cli);
        string file = Pipeline($$"""{"name": "cv", "kind": "chat-vector", "base": "{{_model}}", "instruct": "{{_model}}", "donor": "{{donor}}"}""");
        Assert.Equal($"error: {file}: stage 'cv': option 'donor': {donor}: hidden_size is 32 but \"base\" has 256: not the same model family",
            LastErrorLine(LepProcess.Run("pipeline", "run", file)));
    }

    private string Pipeline(string stage)
    {
        string file = _root.File("p.json");
        File.WriteAllText(file, $$"""{"stages": [{{stage}}]}""");
        return file;
    }
}
