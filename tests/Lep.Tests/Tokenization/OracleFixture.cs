using System.Text;
using Lep.Tokenization;

namespace Lep.Tests.Tokenization;

/// <summary>Shared data for the oracle tests: the three real tokenizers (ours and HF's via Tokenizers.DotNet),
/// ≥ 10,000 ru/en documents and a seeded fuzz set. Loaded once per test run. A tokenizer or corpus file that is not
/// there (the darulm tokenizers have no reachable public source) skips the tests that ask for it.</summary>
public sealed class OracleFixture : IDisposable
{
    public static readonly string[] Names = ["llama3", "darulm32k-bpe", "darulm32k-unigram"];

    public ByName<Tokenizer> Ours { get; } = new();
    public ByName<Tokenizers.DotNet.Tokenizer> Oracle { get; } = new();
    public List<string> Documents => _documents.Value;
    public List<string> Fuzz { get; }
    private readonly Lazy<List<string>> _documents = new(ReadDocuments);

    public static string TokenizerPath(string name) => Lep.Tests.Support.TestData.Tokenizer(name + ".tokenizer.json");

    public OracleFixture()
    {
        foreach (var n in Names)
        {
            if (Lep.Tests.Support.TestData.Find($"tokenizers/{n}.tokenizer.json") is not { } path)
            {
                Ours.Missing(n, $"tokenizers/{n}.tokenizer.json");
                Oracle.Missing(n, $"tokenizers/{n}.tokenizer.json");
                continue;
            }
            Ours.Add(n, Tokenizer.Load(path));
            Oracle.Add(n, new Tokenizers.DotNet.Tokenizer(vocabPath: path));
        }
        Fuzz = FuzzStrings.Generate(seed: 20241226, count: 2500);
    }

    /// <summary>Every held-out document, then training documents (Russian and English alternately, Russian alone
    /// once English runs out) up to 10,000.</summary>
    private static List<string> ReadDocuments()
    {
        var docs = new List<string>();
        foreach (var f in new[] { "ru_heldout", "en_heldout" }) docs.AddRange(ReadDocs(Corpus(f), int.MaxValue));
        int need = Math.Max(0, 10_000 - docs.Count);
        var en = ReadDocs(Corpus("en_train"), need - need / 2);
        docs.AddRange(ReadDocs(Corpus("ru_train"), need - en.Count));
        docs.AddRange(en);
        return docs;
    }

    private static string Corpus(string name) => Lep.Tests.Support.TestData.Corpus(name + ".txt");

    /// <summary>Reads up to <paramref name="max"/> documents (separated by an empty line) from the start of a file.</summary>
    public static List<string> ReadDocs(string path, int max)
    {
        var docs = new List<string>();
        var sb = new StringBuilder();
        using var r = new StreamReader(path, Encoding.UTF8);
        string? line;
        while (docs.Count < max && (line = r.ReadLine()) != null)
        {
            if (line.Length == 0)
            {
                if (sb.Length > 0) docs.Add(sb.ToString());
                sb.Clear();
                continue;
            }
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(line);
        }
        if (sb.Length > 0 && docs.Count < max) docs.Add(sb.ToString());
        return docs;
    }

    public static int[] OracleEncode(Tokenizers.DotNet.Tokenizer t, string text)
    {
        var u = t.Encode(text);
        var r = new int[u.Length];
        for (int i = 0; i < u.Length; i++) r[i] = (int)u[i];
        return r;
    }

    public static uint[] ToUInt(int[] ids)
    {
        var r = new uint[ids.Length];
        for (int i = 0; i < ids.Length; i++) r[i] = (uint)ids[i];
        return r;
    }

    public void Dispose()
    {
        foreach (var o in Oracle.Loaded) o.Dispose();
    }
}

/// <summary>Loaded items by name; asking for one whose file was missing skips the test.</summary>
public sealed class ByName<T>
{
    private readonly Dictionary<string, T> _loaded = new();
    private readonly Dictionary<string, string> _missing = new();

    public T this[string name] => _loaded.TryGetValue(name, out var v) ? v : throw new SkipException(Lep.Tests.Support.TestData.Missing(_missing[name]));
    public IEnumerable<T> Loaded => _loaded.Values;
    public void Add(string name, T value) => _loaded[name] = value;
    public void Missing(string name, string relative) => _missing[name] = relative;
}

[CollectionDefinition("TokenizerOracle")]
public sealed class OracleCollection : ICollectionFixture<OracleFixture>;
