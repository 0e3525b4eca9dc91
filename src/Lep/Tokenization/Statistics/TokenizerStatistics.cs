using System.Globalization;
using Lep.Tokenization.Models;

namespace Lep.Tokenization.Statistics;

/// <summary>How a tokenizer cuts one text file.</summary>
internal sealed record TokenizerStats
{
    public string Tokenizer { get; init; } = "";
    public string Input { get; init; } = "";
    public long Documents { get; init; }
    /// <summary>Unicode code points (scalar values).</summary>
    public long Characters { get; init; }
    public long Words { get; init; }
    public long Tokens { get; init; }
    public long ByteFallbackTokens { get; init; }
    public long UnkTokens { get; init; }
    public long SingleTokenWords { get; init; }
    public long SkippedBytes { get; init; }

    public double CharsPerToken => Tokens == 0 ? 0 : (double)Characters / Tokens;
    public double TokensPerWord => Words == 0 ? 0 : (double)Tokens / Words;
    public double SingleTokenWordShare => Words == 0 ? 0 : (double)SingleTokenWords / Words;
    public double ByteFallbackRate => Tokens == 0 ? 0 : (double)ByteFallbackTokens / Tokens;
    public double UnkRate => Tokens == 0 ? 0 : (double)UnkTokens / Tokens;
}

internal static class TokenizerStatistics
{
    /// <summary>Encodes every document (no special tokens added) and counts. A word is a whitespace-separated run;
    /// it is single-token when the tokenizer encodes it, alone or after a space, as one token.</summary>
    public static TokenizerStats Measure(Tokenizer tok, string name, Lep.Data.CorpusReader corpus, int maxDocuments = int.MaxValue)
    {
        var byteIds = new HashSet<int>();
        bool fallback = tok.Model is Bpe { ByteFallback: true } || tok.Model is Unigram { ByteFallback: true };
        if (fallback)
            foreach (var (t, id) in tok.Model.GetVocab())
                if (TokenText.ParseByteToken(t) is not null) byteIds.Add(id);
        int unk = tok.Model switch
        {
            Bpe b when b.UnkToken != null => b.TokenToId(b.UnkToken) ?? -1,
            Unigram u => u.UnkId ?? -1,
            _ => -1,
        };
        var docs = corpus.Read().Take(maxDocuments).ToList();
        if (docs.Count == 0) throw new LepInputException(corpus.Path, "no documents with text");
        long chars = 0, words = 0, tokens = 0, bytes = 0, unks = 0;
        var wordFreq = new Dictionary<string, long>(StringComparer.Ordinal);
        object gate = new();
        Parallel.ForEach<string,
            (long[] Item1, Dictionary<string, long> Item2)>(docs, () => (new long[5], new Dictionary<string, long>(StringComparer.Ordinal)), (d, state, local) =>
        {
            var ids = tok.Encode(d, false);
            var c = local.Item1;
            c[0] += d.EnumerateRunes().LongCount();
            c[2] += ids.Length;
            foreach (int id in ids)
            {
                if (byteIds.Contains(id)) c[3]++;
                else if (id == unk) c[4]++;
            }
            foreach (var w in d.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                c[1]++;
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(local.Item2, w, out _)++;
            }
            return local;
        }, local =>
        {
            lock (gate)
            {
                chars += local.Item1[0]; words += local.Item1[1]; tokens += local.Item1[2]; bytes += local.Item1[3]; unks += local.Item1[4];
                foreach (var (w, f) in local.Item2) System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(wordFreq, w, out _) += f;
            }
        });
        long single = 0;
        var list = wordFreq.ToList();
        Parallel.ForEach<KeyValuePair<string, long>, long>(list, () => 0L, (kv, _, acc) =>
            tok.Encode(kv.Key, false).Length == 1 || tok.Encode(" " + kv.Key, false).Length == 1 ? acc + kv.Value : acc,
            acc => Interlocked.Add(ref single, acc));
        return new TokenizerStats
        {
            Tokenizer = name, Input = corpus.Path, Documents = docs.Count, Characters = chars, Words = words, Tokens = tokens,
            ByteFallbackTokens = bytes, UnkTokens = unks, SingleTokenWords = single, SkippedBytes = corpus.SkippedBytes,
        };
    }

    public static string Format(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
}
