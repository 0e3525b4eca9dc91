using System.Text;
using Lep.Data;
using Lep.Tests.Support;

namespace Lep.Tests.Data;

/// <summary>The one corpus rule (CorpusReader): at most 1 % invalid UTF-8, skipped and counted; whitespace is not text.</summary>
public sealed class CorpusReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>1,000 bytes of text lines with <paramref name="bad"/> of them replaced by a stray 0xFF.</summary>
    private string FileWithInvalidBytes(int bad)
    {
        var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcdefghi\n", 100)));
        for (int i = 0; i < bad; i++) bytes[i * 10 + 3] = 0xFF;
        string path = _dir.File($"bad-{bad}.txt");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void UpToOnePercentInvalidIsSkippedAndCountedAboveIsRefused()
    {
        var reader = new CorpusReader(FileWithInvalidBytes(10));
        Assert.Equal(10, reader.SkippedBytes);
        Assert.Equal(10, reader.DamagedLines);
        Assert.Equal("abcefghi\nabcefghi", reader.Read().First()[..17]);
        Assert.Equal($"{reader.Path}: skipped 10 invalid UTF-8 bytes in 10 lines (1 % of the file)", reader.Warning);

        string refused = FileWithInvalidBytes(11);
        var e = Assert.Throws<LepInputException>(() => new CorpusReader(refused));
        Assert.Equal($"{refused}: 1.1 % of its bytes are not valid UTF-8 (11 of 1,000): not UTF-8 text (a corpus may hold at most 1 % invalid bytes, which are skipped)", e.Message);

        Assert.Null(new CorpusReader(FileWithInvalidBytes(0)).Warning);
    }

    [Fact]
    public void WhitespaceOnlyDocumentsAreNotDocumentsAndNoTextIsRefused()
    {
        string path = _dir.File("mixed.txt");
        File.WriteAllText(path, "  \n\t\n\nreal text\n\n \u3000 \n\nmore\n");
        var reader = new CorpusReader(path);
        Assert.Equal(["real text", "more"], reader.Read().ToList());
        Assert.Null(CorpusReader.Check(path));

        string blank = _dir.File("blank.jsonl");
        File.WriteAllText(blank, "{\"text\": \" \\n \"}\n\n{\"text\": \"\"}\n");
        var e = Assert.Throws<LepInputException>(() => CorpusReader.Check(blank));
        Assert.Equal($"{blank}: no text: the corpus is empty or holds only whitespace", e.Message);
        string empty = _dir.File("empty.txt");
        File.WriteAllText(empty, "");
        Assert.Throws<LepInputException>(() => new CorpusReader(empty).Read().ToList());
    }
}
