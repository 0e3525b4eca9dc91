using Lep.Evaluation;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Tests.Support;
using static TorchSharp.torch;

namespace Lep.Tests.Evaluation;

public sealed class EndToEndTests
{
    private sealed class RecordingUi : IJobUi
    {
        public List<string> Notes { get; } = [];
        public List<string> Steps { get; } = [];
        public T Step<T>(string label, Func<IProgress<double>, T> work) { Steps.Add(label); return work(new Progress<double>()); }
        public T Train<T>(string label, Func<IProgress<(string Stage, double Fraction)>, IProgress<Lep.Training.TrainingProgress>, T> work) => throw new InvalidOperationException("evaluation does not train");
        public void Note(string line) => Notes.Add(line);
    }

    private static readonly EvalOptions Options = new() { SpeedPrompts = 1, SpeedTokens = 4, MaxNewTokens = 24, Shots = 1 };

    [Fact]
    public void Two_runs_give_identical_results_json_and_a_rerun_resumes_from_the_cache()
    {
        using var tmp = new TempDir();
        string a = EvalFixtures.ModelDir(tmp.File("a"), seed: 11);
        var tasks = SuiteLoader.Load(EvalFixtures.Suite(tmp.File("suite")));
        var models = new List<(string, string)> { ("a", a) };

        var first = new Evaluator(Options).Run(models, tasks, tmp.File("out1"), CPU);
        new Evaluator(Options).Run(models, tasks, tmp.File("out2"), CPU);
        string json1 = File.ReadAllText(tmp.File("out1/results.json"));
        Assert.Equal(json1, File.ReadAllText(tmp.File("out2/results.json")));
        Assert.DoesNotContain("seconds", json1);
        Assert.Contains("tokens_per_s", File.ReadAllText(tmp.File("out1/speed.json")));

        Assert.Equal(5, first.Results.Count);
        Assert.Equal(2, first.Find("a", "mc")!.N);          // one shot taken from the front
        Assert.Equal(3, first.Find("a", "heldout")!.N);      // documents are never shots
        Assert.True(first.Find("a", "heldout")!.Metrics["bits_per_char"] > 0);

        var ui = new RecordingUi();
        new Evaluator(Options, ui).Run(models, tasks, tmp.File("out1"), CPU);
        Assert.Equal(6, ui.Notes.Count(n => n.EndsWith("cached")));
        Assert.Empty(ui.Steps);                               // the model was not even loaded
        Assert.Equal(json1, File.ReadAllText(tmp.File("out1/results.json")));

        foreach (string f in new[] { "report.md", "plots/scores.png", "plots/chars_per_token.png", "plots/bits_per_char.png", "plots/chars_per_s.png" })
            Assert.True(File.Exists(tmp.File("out1/" + f)), f);
        string md = File.ReadAllText(tmp.File("out1/report.md"));
        Assert.Contains("| a |", md);
        Assert.Contains("95 % CI", md);
    }

    [Fact]
    public void Cli_eval_two_models_then_report_merges_runs()
    {
        using var tmp = new TempDir();
        string corpus = "кот спит дом собака вода the cat sleeps on the mat Привет мир Кошка спит";
        EvalFixtures.ModelDir(tmp.File("base"), seed: 21);
        EvalFixtures.ModelDir(tmp.File("bigvocab"), seed: 22, merges: 40, corpus: corpus);
        string suite = EvalFixtures.Suite(tmp.File("suite"));
        var r = LepProcess.Run("eval", "--model", tmp.File("base"), "--model", tmp.File("bigvocab"), "--suite", suite,
            "--out", tmp.File("out"), "--limit", "2", "--speed-prompts", "1", "--speed-tokens", "4", "--max-new-tokens", "16");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("report.md", r.StdOut);
        var results = EvalResults.Load(tmp.File("out"));
        Assert.Equal(["base", "bigvocab"], results.Models.Select(m => m.Name));
        double cptBase = results.Find("base", "heldout")!.Metrics["chars_per_token"];
        double cptBig = results.Find("bigvocab", "heldout")!.Metrics["chars_per_token"];
        Assert.True(cptBig > cptBase, $"{cptBig} vs {cptBase}");

        var rep = LepProcess.Run("report", tmp.File("out/results.json"), tmp.File("out"), "--out", tmp.File("rep"));
        Assert.True(rep.ExitCode == 0, rep.StdErr);
        var merged = File.ReadAllText(tmp.File("rep/report.md"));
        Assert.Contains("base (2)", merged);
        Assert.True(File.Exists(tmp.File("rep/plots/scores.png")));
    }

    [Theory]
    [InlineData("missing-field")]
    [InlineData("answer-not-among-choices")]
    [InlineData("empty-file")]
    [InlineData("no-tokenizer")]
    public void Cli_bad_inputs_exit_2_naming_file_and_line(string problem)
    {
        using var tmp = new TempDir();
        string model = EvalFixtures.ModelDir(tmp.File("m"), seed: 1);
        string suite = tmp.File("task.jsonl");
        string expected;
        switch (problem)
        {
            case "missing-field":
                File.WriteAllText(suite, "{\"src\": \"a\", \"ref\": \"б\"}\n{\"src\": \"b\"}\n");
                expected = $"{suite}:2: missing field 'ref'";
                break;
            case "answer-not-among-choices":
                File.WriteAllText(suite, "{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": \"z\"}\n");
                expected = $"{suite}:1: answer \"z\" is not among the choices";
                break;
            case "empty-file":
                File.WriteAllText(suite, "");
                expected = $"{suite}: empty file";
                break;
            default:
                File.WriteAllText(suite, "{\"text\": \"a\"}\n");
                File.Delete(Path.Combine(model, "tokenizer.json"));
                expected = $"{model}: the model directory has no tokenizer.json";
                break;
        }
        var r = LepProcess.Run("eval", "--model", model, "--suite", suite, "--out", tmp.File("out"));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: " + expected, r.StdErr.Trim());
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }
}
