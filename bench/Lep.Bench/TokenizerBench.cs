using System.Diagnostics;
using Lep.Data;
using Lep.Tokenization;
using Lep.Tokenization.Training;

namespace Lep.Bench;

/// <summary>
/// Tokenizer benchmarks, ratios measured in the same run:
/// encode throughput of our engine vs HF tokenizers (Tokenizers.DotNet, Rust) on the same tokenizer.json and text,
/// and training wall time of our trainers vs spm_train on the same corpus and size.
/// usage: tokenizer [encode|train|all] [--data DIR] [--vocab-size N] [--corpus FILE]
/// </summary>
public static class TokenizerBench
{
    public static void Run(string[] args)
    {
        string what = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "all";
        string data = BenchData.Root(args);
        int vocab = int.Parse(Arg(args, "--vocab-size") ?? "8000");
        string corpus = Arg(args, "--corpus") ?? Path.Combine(data, "corpus", "ru_train.txt");
        if (what is "encode" or "all") Encode(data);
        if (what is "train" or "all") Train(corpus, vocab);
    }

    private static string? Arg(string[] a, string name)
    {
        int i = Array.IndexOf(a, name);
        return i >= 0 && i + 1 < a.Length ? a[i + 1] : null;
    }

    private static void Encode(string data)
    {
        var docs = new List<string>();
        foreach (var f in new[] { "ru_heldout.txt", "en_heldout.txt" })
            docs.AddRange(new CorpusReader(Path.Combine(data, "corpus", f)).Read());
        long chars = docs.Sum(d => (long)d.Length);
        Console.WriteLine($"encode: {docs.Count:N0} documents, {chars / 1e6:0.00} M chars (ru+en held-out), single thread, best of 3");
        foreach (var name in new[] { "llama3", "darulm32k-bpe", "darulm32k-unigram" })
        {
            string path = Path.Combine(data, "tokenizers", name + ".tokenizer.json");
            var ours = Tokenizer.Load(path);
            using var hf = new Tokenizers.DotNet.Tokenizer(vocabPath: path);
            long n1 = 0, n2 = 0;
            double tOurs = Timing.BestSeconds(3, () => { n1 = 0; foreach (var d in docs) n1 += ours.Encode(d, true).Length; });
            double tHf = Timing.BestSeconds(3, () => { n2 = 0; foreach (var d in docs) n2 += hf.Encode(d).Length; });
            Console.WriteLine($"  {name,-18} ours {chars / tOurs / 1e6,6:0.00} M chars/s   HF {chars / tHf / 1e6,6:0.00} M chars/s   ratio {tHf / tOurs:0.00}x" +
                              (n1 == n2 ? "" : $"  (token counts differ: {n1} vs {n2}!)"));
        }
    }

    private static void Train(string corpus, int vocab)
    {
        Console.WriteLine($"train: {corpus} ({new FileInfo(corpus).Length / 1e6:0.0} MB), {vocab:N0} pieces, ours (this process) vs spm_train --num_threads=2");
        string tmp = Directory.CreateTempSubdirectory("lep-tokbench-").FullName;
        try
        {
            foreach (var type in new[] { "unigram", "bpe" })
            {
                double spm = SpmTrain(corpus, vocab, type, Path.Combine(tmp, type), out long spmRss);
                var sw = Stopwatch.StartNew();
                TrainingReport report = type == "unigram"
                    ? UnigramTrainer.Train(new CorpusReader(corpus), new UnigramTrainerOptions { VocabSize = vocab }).Report
                    : BpeTrainer.Train(new CorpusReader(corpus), new BpeTrainerOptions { VocabSize = vocab, SentencePiece = true }).Report;
                double ours = sw.Elapsed.TotalSeconds;
                Console.WriteLine($"  {type,-8} ours {ours,6:0.0} s (peak RSS {report.PeakRssBytes / 1048576.0:N0} MiB, managed {report.PeakManagedBytes / 1048576.0:N0} MiB)" +
                                  $"   spm_train {spm,6:0.0} s (peak RSS {spmRss / 1024.0:N0} MiB)   time ratio ours/spm {ours / spm:0.00}x");
            }
            var sw2 = Stopwatch.StartNew();
            var bl = BpeTrainer.Train(new CorpusReader(corpus), new BpeTrainerOptions { VocabSize = vocab }).Report;
            Console.WriteLine($"  byte-level BPE (no spm peer) {sw2.Elapsed.TotalSeconds:0.0} s, peak RSS {bl.PeakRssBytes / 1048576.0:N0} MiB");
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    private static double SpmTrain(string corpus, int vocab, string type, string prefix, out long peakRssKb)
    {
        var psi = new ProcessStartInfo("/usr/bin/time", $"-f %M spm_train --input={corpus} --model_prefix={prefix} --model_type={type} --vocab_size={vocab} " +
            "--character_coverage=0.9995 --byte_fallback=true --split_digits=true --normalization_rule_name=identity --remove_extra_whitespaces=false --num_threads=2 --minloglevel=2")
        { RedirectStandardError = true, RedirectStandardOutput = true };
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        double t = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException("spm_train failed: " + err);
        peakRssKb = long.TryParse(err.Trim().Split('\n')[^1], out long kb) ? kb : 0;
        return t;
    }
}
