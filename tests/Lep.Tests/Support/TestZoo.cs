using Lep.Data;
using Lep.Training;
using Lep.Zoo;

namespace Lep.Tests.Support;

/// <summary>A UI that records notes and shows nothing.</summary>
public sealed class QuietUi : SilentUi
{
    public List<string> Notes { get; } = [];
    public override void Note(string line) => Notes.Add(line);
}

/// <summary>A zoo pair built in seconds (same code as `lep zoo build`, toy sizes) on a corpus cut from the test data.</summary>
internal static class TestZoo
{
    /// <summary>The checkout the tests were built from (the dir holding Lep.slnx).</summary>
    public static string CheckoutRoot { get; } = FindCheckout();

    /// <summary>The zoo shipped in this checkout (assets/zoo).</summary>
    public static string Shipped => Path.Combine(CheckoutRoot, "assets", "zoo");

    private static string FindCheckout()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lep.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot locate the checkout (Lep.slnx) above " + AppContext.BaseDirectory);
    }

    /// <summary>A small corpus dir in `lep data build`'s layout, cut from the test data.</summary>
    public static string SmallCorpus(TempDir dir)
    {
        string corpus = dir.File("corpus");
        Directory.CreateDirectory(corpus);
        foreach (string lang in new[] { "en", "ru" })
        {
            File.WriteAllText(Path.Combine(corpus, $"{lang}_train.txt"), string.Join("\n\n", DocumentReader.Read(TestData.Corpus($"{lang}_train.txt")).Take(400)) + "\n");
            File.WriteAllText(Path.Combine(corpus, $"{lang}_heldout.txt"), string.Join("\n\n", DocumentReader.Read(TestData.Corpus($"{lang}_heldout.txt")).Take(60)) + "\n");
        }
        File.WriteAllLines(Path.Combine(corpus, "parallel_dict.en-ru.tsv"), File.ReadLines(TestData.Corpus("parallel_dict.en-ru.tsv")).Take(3000));
        return corpus;
    }

    public static ZooBuildOptions Options(TempDir dir) => new()
    {
        Recipe = ZooRecipe.Quick with { VocabSize = 600, PretrainSteps = 8, PretrainWarmup = 2, InstructSteps = 4, InstructWarmup = 1, EvalItems = 4 },
        CorpusDirectory = SmallCorpus(dir), OutputDirectory = dir.File("zoo"), WorkDirectory = dir.File("work"),
    };
}
