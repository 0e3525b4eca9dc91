using System.Text;
using Lep.Tokenization;

namespace Lep.Tests.Tokenization;

/// <summary>Shared data for the oracle tests: the three real tokenizers (ours and HF's via Tokenizers.DotNet),
/// ≥ 10,000 ru/en documents and a seeded fuzz set. Loaded once per test run.</summary>
public sealed class OracleFixture : IDisposable
{
    public static string DataDir => Lep.Tests.Support.TestData.Root;
    public static readonly string[] Names = ["llama3", "darulm32k-bpe", "darulm32k-unigram"];

    public Dictionary<string, Tokenizer> Ours { get; } = new();
    public Dictionary<string, Tokenizers.DotNet.Tokenizer> Oracle { get; } = new();
    public List<string> Documents { get; }
    public List<string> Fuzz { get; }

    public static string TokenizerPath(string name) => Path.Combine(DataDir, "tokenizers", name + ".tokenizer.json");

    public OracleFixture()
    {
        foreach (var n in Names)
        {
            Ours[n] = Tokenizer.Load(TokenizerPath(n));
            Oracle[n] = new Tokenizers.DotNet.Tokenizer(vocabPath: TokenizerPath(n));
        }
        Documents = [];
        foreach (var f in new[] { "ru_heldout", "en_heldout" }) Documents.AddRange(ReadDocs(Path.Combine(DataDir, "corpus", f + ".txt"), int.MaxValue));
        int need = Math.Max(0, 10_000 - Documents.Count);
        Documents.AddRange(ReadDocs(Path.Combine(DataDir, "corpus", "ru_train.txt"), need / 2));
        Documents.AddRange(ReadDocs(Path.Combine(DataDir, "corpus", "en_train.txt"), need - need / 2));
        Fuzz = FuzzStrings.Generate(seed: 20241226, count: 2500);
    }

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
        foreach (var o in Oracle.Values) o.Dispose();
    }
}

[CollectionDefinition("TokenizerOracle")]
public sealed class OracleCollection : ICollectionFixture<OracleFixture>;
