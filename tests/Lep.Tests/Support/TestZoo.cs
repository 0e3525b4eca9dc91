using Lep.Data;
using Lep.Zoo;

namespace Lep.Tests.Support;

/// <summary>A zoo pair built in seconds (the zoo pipeline of `lep zoo build`, quick profile at toy sizes) on a corpus cut from the test data.</summary>
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

    /// <summary>The quick profile at toy sizes (seconds).</summary>
    public static readonly IReadOnlyDictionary<string, string> ToySizes = new Dictionary<string, string>
    {
        ["VOCAB_SIZE"] = "600", ["PRETRAIN_STEPS"] = "8", ["PRETRAIN_EVAL_EVERY"] = "1", ["PRETRAIN_WARMUP"] = "2",
        ["INSTRUCT_STEPS"] = "4", ["INSTRUCT_EVAL_EVERY"] = "1", ["INSTRUCT_WARMUP"] = "1", ["EVAL_ITEMS"] = "4",
    };

    public static ZooBuildOptions Options(TempDir dir) => new()
    {
        Profile = "quick", Variables = ToySizes, CorpusDirectory = SmallCorpus(dir), OutputDirectory = dir.File("zoo"), WorkDirectory = dir.File("work"),
    };

    /// <summary>Builds the toy zoo of <see cref="Options"/>; returns them.</summary>
    public static ZooBuildOptions Build(TempDir dir)
    {
        ZooBuildOptions options = Options(dir);
        new LepZoo(options, Lep.Pipeline.SilentPipelineUi.Instance).Build();
        return options;
    }
}
