using System.Diagnostics;
using Lep.Data;

namespace Lep.Tokenization.Training;

/// <summary>What a trainer did: time, memory, corpus counts. Memory is sampled at stage ends (managed heap) plus
/// the process's peak resident set.</summary>
public sealed class TrainingReport
{
    /// <summary>Wall time so far.</summary>
    public double Seconds { get; set; }
    /// <summary>Documents read.</summary>
    public long Documents { get; set; }
    /// <summary>Pre-tokenized words counted.</summary>
    public long Words { get; set; }
    /// <summary>Distinct words.</summary>
    public long UniqueWords { get; set; }
    /// <summary>Invalid UTF-8 bytes skipped in the corpus.</summary>
    public long SkippedBytes { get; set; }
    /// <summary>Largest managed heap seen at a stage end.</summary>
    public long PeakManagedBytes { get; set; }
    /// <summary>The process's peak resident set.</summary>
    public long PeakRssBytes { get; set; }
    /// <summary>Tokens in the trained vocabulary.</summary>
    public int VocabSize { get; set; }
    /// <summary>Tokens added by an extension.</summary>
    public int NewTokens { get; set; }
    /// <summary>Remarks of the trainer (e.g. a vocabulary that stopped short of its target).</summary>
    public List<string> Notes { get; } = new();

    private readonly Stopwatch _sw = Stopwatch.StartNew();

    internal void Sample()
    {
        long managed = GC.GetTotalMemory(false);
        if (managed > PeakManagedBytes) PeakManagedBytes = managed;
        using var p = Process.GetCurrentProcess();
        if (p.PeakWorkingSet64 > PeakRssBytes) PeakRssBytes = p.PeakWorkingSet64;
        Seconds = _sw.Elapsed.TotalSeconds;
    }

    /// <summary>One line for the user: time, counts and memory.</summary>
    public override string ToString() =>
        $"{Seconds:0.0} s, {Documents:N0} documents, {Words:N0} words ({UniqueWords:N0} distinct), " +
        $"peak managed {PeakManagedBytes / 1048576.0:N0} MiB, peak RSS {PeakRssBytes / 1048576.0:N0} MiB" +
        (SkippedBytes > 0 ? $", {SkippedBytes:N0} invalid UTF-8 bytes skipped" : "");
}

/// <summary>Counts the distinct pre-tokenized words of a corpus (streamed; two threads).</summary>
internal static class WordCounter
{
    /// <param name="split">appends the words of one document</param>
    public static Dictionary<string, long> Count(CorpusReader corpus, Action<string, List<string>> split, TrainingReport report,
        IProgress<double>? progress = null)
    {
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        var batch = new List<string>(4096);
        long words = 0;
        void Flush()
        {
            if (batch.Count == 0) return;
            int parts = Math.Min(Environment.ProcessorCount, 4);
            var locals = new Dictionary<string, long>[parts];
            var wordCounts = new long[parts];
            Parallel.For(0, parts, p =>
            {
                var d = new Dictionary<string, long>(StringComparer.Ordinal);
                var buf = new List<string>();
                for (int i = p; i < batch.Count; i += parts)
                {
                    buf.Clear();
                    split(batch[i], buf);
                    foreach (var w in buf)
                    {
                        if (w.Length == 0) continue;
                        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(d, w, out _)++;
                        wordCounts[p]++;
                    }
                }
                locals[p] = d;
            });
            foreach (var d in locals)
                foreach (var (k, v) in d)
                    System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(total, k, out _) += v;
            foreach (var c in wordCounts) words += c;
            batch.Clear();
        }
        foreach (var doc in corpus.Read())
        {
            batch.Add(doc);
            if (batch.Count == batch.Capacity)
            {
                Flush();
                progress?.Report(corpus.Length == 0 ? 1 : (double)corpus.BytesRead / corpus.Length);
            }
        }
        Flush();
        report.Documents += corpus.Documents;
        report.SkippedBytes += corpus.SkippedBytes;
        report.Words += words;
        report.UniqueWords = total.Count;
        report.Sample();
        if (corpus.Documents == 0 || total.Count == 0) throw new LepInputException(corpus.Path, "the corpus is empty (no documents with text)");
        return total;
    }

    /// <summary>SentencePiece-style words of a normalized piece: a new word starts at each '▁'; other whitespace and
    /// control characters stand alone.</summary>
    public static void SplitMetaspace(string s, List<string> output)
    {
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\u2581')
            {
                if (i > start) output.Add(s[start..i]);
                start = i;
            }
            else if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                if (i > start) output.Add(s[start..i]);
                output.Add(s.Substring(i, 1));
                start = i + 1;
            }
        }
        if (start < s.Length) output.Add(s[start..]);
    }

    /// <summary>SentencePiece's default normalization as our tokenizer.json writes it: '▁' prefix, spaces → '▁'.</summary>
    public static string MetaspaceNormalize(string doc) => "\u2581" + doc.Replace(' ', '\u2581');
}
