using System.Diagnostics;
using Lep.Data.Corpus;
using Lep.Tests.Support;

namespace Lep.Tests.Data.Corpus;

public class FilterTests
{
    private static Document Doc(params string[] lines) => new("src", "origin", lines);

    [Fact]
    public void RussianLinesMustBeMostlyCyrillic()
    {
        Assert.True(CorpusFilters.KeepLine("Откройте меню Файл и выберите пункт Печать.", "ru"));
        Assert.True(CorpusFilters.KeepLine("Функция printf() выводит строку на экран.", "ru"));
        Assert.False(CorpusFilters.KeepLine("Use the printf function to print a string here.", "ru"));
        Assert.False(CorpusFilters.KeepLine("See also: printf scanf fprintf и др.", "ru"));
        Assert.True(CorpusFilters.KeepLine("Use the printf function to print a string here.", "en"));
    }

    [Fact]
    public void LinesWithFewLettersAreDropped()
    {
        Assert.False(CorpusFilters.HasEnoughLetters("0x1F 0x20 0x21 -> 42;"));
        Assert.False(CorpusFilters.HasEnoughLetters("--- +++ ==="));
        Assert.True(CorpusFilters.HasEnoughLetters("In 1999 the old cat was born."));
        Assert.False(CorpusFilters.KeepLine("", "en"));
    }

    [Fact]
    public void SpacesAreCollapsedAndControlCharactersDropped()
    {
        Assert.Equal("a b c", TextTools.NormalizeLine("  a \t  b\u00A0\u00A0c \u0007 "));
        Assert.Equal("soft hyphen", TextTools.NormalizeLine("soft hy\u00ADphen"));
    }

    [Fact]
    public void LinesRepeatedMoreThanThirtyTimesPerSourceAreDropped()
    {
        var docs = new List<Document>();
        for (int i = 0; i < 31; i++) docs.Add(Doc($"Уникальная строка номер {Words(i)}.", "Сообщите об ошибках переводчикам."));
        for (int i = 0; i < 30; i++) docs.Add(Doc($"Другая строка номер {Words(i)}.", "Эта строка встречается тридцать раз."));
        var clean = CorpusFilters.CleanSource(docs, "ru");
        Assert.Equal(61, clean.Count);
        Assert.DoesNotContain(clean, d => d.Lines.Contains("Сообщите об ошибках переводчикам."));
        Assert.Equal(30, clean.Count(d => d.Lines.Contains("Эта строка встречается тридцать раз.")));
    }

    private static string Words(int i) => string.Concat(i.ToString().Select(c => "ноль один два три четыре пять шесть семь восемь девять".Split(' ')[c - '0'] + " ")).Trim();

    [Fact]
    public void DocumentsLeftTooShortAreDroppedAndDuplicatesRemovedAcrossSources()
    {
        var clean = CorpusFilters.CleanSource([Doc("12345 67890"), Doc("Короткий."), Doc("Вполне нормальный документ.")], "ru");
        Assert.Equal(["Вполне нормальный документ."], Assert.Single(clean).Lines);
        var seen = new HashSet<string>();
        var a = CorpusFilters.RemoveDuplicates([Doc("Один документ."), Doc("Другой документ."), Doc("Один документ.")], seen);
        var b = CorpusFilters.RemoveDuplicates([Doc("Другой документ."), Doc("Третий документ.")], seen);
        Assert.Equal(2, a.Count);
        Assert.Equal("Третий документ.", Assert.Single(b).Text);
    }

    [Fact]
    public void EveryFiftiethDocumentOfASourceIsHeldOut()
    {
        var held = Enumerable.Range(0, 200).Where(CorpusFilters.IsHeldOut).ToList();
        Assert.Equal([49, 99, 149, 199], held);
    }

    [Theory]
    [InlineData("wesnoth-1.16-data")]
    [InlineData("wesnoth-music")]
    [InlineData("wesnoth")]
    [InlineData("debian-handbook")]
    public void EvaluationPackagesAreRefused(string package)
    {
        Assert.True(PackagePolicy.IsReserved(package));
        var e = Assert.Throws<LepInputException>(() => PackagePolicy.EnsureAllowed(package));
        Assert.Contains("reserved for evaluation", e.Message);
        // The apt layer refuses them before running anything (the tool paths here do not even exist).
        using var dir = new TempDir();
        var apt = new AptClient(dir.Path, "/nonexistent/apt-get", "/nonexistent/apt-cache");
        Assert.Throws<LepInputException>(() => apt.Download([package]));
        Assert.Throws<LepInputException>(() => apt.Candidates(["fortunes-ru", package]));
        // And a profile that names one fails before any download.
        var profile = CorpusProfile.Test with { Sources = [.. CorpusProfile.Test.Sources, new SourceSpec("x", "en", package, SourceKind.Html)] };
        var builder = new CorpusBuilder(new CorpusBuildOptions(Path.Combine(dir.Path, "out"), profile, Path.Combine(dir.Path, "cache")),
            new SystemTools("/nonexistent/apt-get", "/nonexistent/apt-cache", "/nonexistent/dpkg-deb", null, null));
        Assert.Throws<LepInputException>(() => builder.Fetch());
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")));
    }

    [Fact]
    public void NoProfileUsesAnEvaluationPackage()
    {
        Assert.False(PackagePolicy.IsReserved("fortunes-ru"));
        Assert.False(PackagePolicy.IsReserved("developers-reference"));
        foreach (var profile in new[] { CorpusProfile.Full, CorpusProfile.Test })
            Assert.DoesNotContain(profile.Packages, PackagePolicy.IsReserved);
    }

    [Fact]
    public void WithoutAptTheCliSaysSoAndPointsToCorpus()
    {
        using var empty = new TempDir();
        var e = Assert.Throws<LepInputException>(() => SystemTools.Find(empty.Path));
        Assert.Contains("apt-get", e.Message);
        Assert.Contains("--corpus", e.Message);

        string dotnet = SystemTools.Which("dotnet", Environment.GetEnvironmentVariable("PATH") ?? "") ?? "/usr/bin/dotnet";
        var psi = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lep.dll"));
        foreach (string a in new[] { "data", "build", "--profile", "test", "--out", Path.Combine(empty.Path, "out") }) psi.ArgumentList.Add(a);
        psi.Environment["PATH"] = empty.Path;
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        string line = Assert.Single(stderr.Trim().Split('\n'));
        Assert.StartsWith("error: apt-get", line);
        Assert.Contains("--corpus", line);
    }
}
