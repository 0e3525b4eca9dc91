using Lep.Tokenization;

namespace Lep.Tests.Tokenization;

public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lep-tokbad-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string content)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllText(p, content);
        return p;
    }

    private const string Bpe = """{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}""";

    [Fact]
    public void Missing_file_names_the_file()
    {
        var p = Path.Combine(_dir, "nope.json");
        var e = Assert.Throws<LepInputException>(() => Tokenizer.Load(p));
        Assert.Equal(p, e.Path);
        var d = Assert.Throws<LepInputException>(() => Tokenizer.Load(_dir));
        Assert.Contains("tokenizer.json", d.Path);
    }

    [Fact]
    public void Invalid_json_names_the_file()
    {
        var p = Write("bad.json", "{\"model\": {");
        var e = Assert.Throws<LepInputException>(() => Tokenizer.Load(p));
        Assert.Equal(p, e.Path);
        Assert.Contains("JSON", e.Message);
    }

    [Theory]
    [InlineData("""{"model":{"type":"Mystery","vocab":{}}}""", "Mystery")]
    [InlineData("""{"normalizer":{"type":"Frobnicate"},"model":BPE}""", "Frobnicate")]
    [InlineData("""{"pre_tokenizer":{"type":"Chop"},"model":BPE}""", "Chop")]
    [InlineData("""{"decoder":{"type":"Unchop"},"model":BPE}""", "Unchop")]
    [InlineData("""{"post_processor":{"type":"Wrap"},"model":BPE}""", "Wrap")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":["a b"]}}""", "\"b\"")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":["a"]}}""", "merge 1")]
    [InlineData("""{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(["},"behavior":"Isolated"},"model":BPE}""", "regex")]
    public void Unknown_or_malformed_components_name_the_file_and_the_problem(string json, string mention)
    {
        var p = Write("t.json", json.Replace("BPE}", Bpe + "}"));
        var e = Assert.Throws<LepInputException>(() => Tokenizer.Load(p));
        Assert.Equal(p, e.Path);
        Assert.Contains(mention, e.Problem);
    }

    [Fact]
    public void Tiktoken_bad_lines_are_reported()
    {
        var p = Write("r.tiktoken", "YQ== 0\n!!!! 1\n");
        var e = Assert.Throws<LepInputException>(() => Tiktoken.Load(p, Tiktoken.Llama3Pattern));
        Assert.Contains("line 2", e.Problem);
    }
}
