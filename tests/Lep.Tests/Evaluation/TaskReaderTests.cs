using Lep.Evaluation.Tasks;
using Lep.Tests.Support;

namespace Lep.Tests.Evaluation;

public sealed class TaskReaderTests
{
    [Fact]
    public void Recognises_every_kind_of_the_small_suite()
    {
        using var tmp = new TempDir();
        var tasks = SuiteLoader.Load(EvalFixtures.Suite(tmp.File("suite")));
        var byName = tasks.ToDictionary(t => t.Name);
        Assert.Equal(["copy", "heldout", "mc", "translate", "words"], tasks.Select(t => t.Name));
        Assert.Equal(("copy", TaskKind.Generation, "exact_match"), (byName["copy"].Format, byName["copy"].Kind, byName["copy"].Primary));
        Assert.Equal(("multiple_choice", TaskKind.MultipleChoice), (byName["mc"].Format, byName["mc"].Kind));
        Assert.Equal(2, ((ChoiceItem)byName["mc"].Items[2]).Answer);   // answer given as text
        Assert.Equal(("translation", "chrf"), (byName["translate"].Format, byName["translate"].Primary));
        Assert.StartsWith("Translate from English to Russian:", ((GenerationItem)byName["translate"].Items[0]).Prompt);
        Assert.Equal(["вода", "водица"], ((GenerationItem)byName["words"].Items[0]).References);
        Assert.Equal(3, byName["heldout"].Items.Count);
        Assert.Equal([1, 4, 7], byName["heldout"].Items.Select(i => i.Line));
    }

    [SkippableFact]
    public void Reads_the_dev_files_of_the_test_data()
    {
        var tasks = SuiteLoader.Load(TestData.Require("bench")).ToDictionary(t => t.Name);
        Assert.Equal("copy", tasks["bench_copy"].Format);
        Assert.Equal("multiple_choice", tasks["bench_mc"].Format);
        Assert.Equal("translation", tasks["bench_translate"].Format);
        Assert.Equal("words", tasks["bench_words"].Format);
        Assert.All(tasks.Values, t => Assert.NotEmpty(t.Items));
    }

    [Fact]
    public void Mera_records_become_multiple_choice_or_generation()
    {
        using var tmp = new TempDir();
        string mc = tmp.File("ruopenbookqa.jsonl");
        File.WriteAllText(mc,
            "{\"instruction\": \"Вопрос: {question}\\nA) {option_a}\\nB) {option_b}\\nОтвет:\", \"inputs\": {\"question\": \"Небо?\", \"option_a\": \"синее\", \"option_b\": \"зелёное\"}, \"outputs\": \"A\", \"meta\": {\"id\": 7}}\n");
        EvalTask t = TaskReader.Read(mc);
        var item = Assert.IsType<ChoiceItem>(t.Items[0]);
        Assert.Equal(("mera", TaskKind.MultipleChoice, "accuracy"), (t.Format, t.Kind, t.Primary));
        Assert.Equal(["A", "B"], item.Choices);
        Assert.Equal(0, item.Answer);
        Assert.Equal("7", item.Id);
        Assert.Equal("Вопрос: Небо?\nA) синее\nB) зелёное\nОтвет:", item.Prompt);

        string gen = tmp.File("darucopy.json");
        File.WriteAllText(gen, "{\"data\": {\"test\": [{\"instruction\": \"Скопируй: {inputs}\", \"inputs\": \"x\", \"outputs\": \"\"}], " +
                               "\"train\": [{\"instruction\": \"Скопируй: {inputs}\", \"inputs\": \"кот\", \"outputs\": \"кот\"}]}}");
        EvalTask g = TaskReader.Read(gen);
        var gi = Assert.IsType<GenerationItem>(g.Items[0]);
        Assert.Equal(("Скопируй: кот", "кот"), (gi.Prompt, gi.References[0]));
        Assert.Equal("exact_match", g.Primary);
    }

    [Theory]
    [InlineData("{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": 0}\n{\"question\": \"q\", \"choices\": [\"a\", \"b\"]}\n", 2, "missing field 'answer'")]
    [InlineData("{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": 2}\n", 1, "answer 2 is not among the 2 choices")]
    [InlineData("{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": \"c\"}\n", 1, "answer \"c\" is not among the choices")]
    [InlineData("{\"text\": \"a\"}\n\n{\"text\": 5}\n", 3, "field 'text' must be a string")]
    [InlineData("{\"text\": \"a\"}\n{not json\n", 2, "invalid JSON")]
    [InlineData("{\"foo\": 1}\n", 1, "cannot tell the task kind")]
    public void Bad_records_name_file_and_line(string content, int line, string problem)
    {
        using var tmp = new TempDir();
        string path = tmp.File("bad.jsonl");
        File.WriteAllText(path, content);
        var e = Assert.Throws<LepInputException>(() => TaskReader.Read(path));
        Assert.Equal($"{path}:{line}", e.Path);
        Assert.Contains(problem, e.Problem);
    }

    [Theory]
    [InlineData("empty.jsonl", "")]
    [InlineData("blank.jsonl", "\n\n")]
    [InlineData("empty.txt", "\n \n")]
    public void Empty_files_are_rejected(string name, string content)
    {
        using var tmp = new TempDir();
        string path = tmp.File(name);
        File.WriteAllText(path, content);
        var e = Assert.Throws<LepInputException>(() => TaskReader.Read(path));
        Assert.Equal(path, e.Path);
        Assert.Contains("empty file", e.Problem);
    }

    [Fact]
    public void Invalid_utf8_is_a_clear_error()
    {
        using var tmp = new TempDir();
        string path = tmp.File("bad.txt");
        File.WriteAllBytes(path, [0x61, 0xD0, 0x0A]);   // a lone lead byte of a Cyrillic letter
        var e = Assert.Throws<LepInputException>(() => TaskReader.Read(path));
        Assert.Contains("not valid UTF-8", e.Problem);
    }
}
