using Lep.Tests.Support;

namespace Lep.Tests.Architecture;

/// <summary>Roslyn has no line-length rule, so the limit .editorconfig declares for C# is checked here on src/.</summary>
public class LineLengthTests
{
    [Fact]
    public void Source_lines_keep_the_editorconfig_limit()
    {
        string root = TestZoo.CheckoutRoot;
        int limit = int.Parse(File.ReadLines(Path.Combine(root, ".editorconfig"))
            .Select(l => l.Split('=', 2)).Single(kv => kv[0].Trim() == "max_line_length")[1].Trim());
        string src = Path.Combine(root, "src");
        var sep = Path.DirectorySeparatorChar;
        string[] tooLong = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{sep}bin{sep}") && !f.Contains($"{sep}obj{sep}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => x.line.Length > limit)
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1} ({x.line.Length} characters)")
            .Order(StringComparer.Ordinal).ToArray();
        Assert.True(tooLong.Length == 0, $"lines longer than max_line_length = {limit}: {string.Join(", ", tooLong)}");
    }
}
