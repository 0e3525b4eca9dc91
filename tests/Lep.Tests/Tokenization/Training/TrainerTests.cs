using System.Diagnostics;
using System.Text;
using Lep.Data;
using Lep.Tokenization;
using Lep.Tokenization.Training;

namespace Lep.Tests.Tokenization.Training;

[Collection("TokenizerOracle")]
public sealed class TrainerTests(TrainingFixture fx) : IClassFixture<TrainingFixture>
{
    [SkippableFact]
    public void Byte_level_bpe_loads_in_oracle_encodes_identically_and_is_deterministic()
    {
        var (tok, report) = BpeTrainer.Train(new CorpusReader(fx.Mixed1M), new BpeTrainerOptions { VocabSize = 3000, SpecialTokens = ["<|bos|>", "<|eos|>"] });
        Assert.Equal(3000, tok.VocabSize);
        Assert.Equal(0, tok.TokenToId("<|bos|>"));
        Assert.True(report.PeakRssBytes > 0 && report.Seconds > 0);
        var dir = fx.Save(tok, "bpe");
        TrainingFixture.AssertOracleAgrees(dir, fx.HeldOut.Take(1000).Concat(FuzzStrings.Generate(5, 300)).Append("x <|bos|> y"));
        var (again, _) = BpeTrainer.Train(new CorpusReader(fx.Mixed1M), new BpeTrainerOptions { VocabSize = 3000, SpecialTokens = ["<|bos|>", "<|eos|>"] });
        Assert.Equal(tok.ToJson(), again.ToJson());
        // learns something: fewer tokens than bytes
        Assert.True(TrainingFixture.CharsPerToken(tok, fx.RuHeldOut) > 2.0);
    }

    [Fact]
    public void Min_frequency_stops_merging()
    {
        var path = Path.Combine(fx.Dir, "tiny.txt");
        File.WriteAllText(path, "ab ab ab cd\n\nab xy\n");
        var (tok, _) = BpeTrainer.Train(new CorpusReader(path), new BpeTrainerOptions { VocabSize = 1000, MinFrequency = 2 });
        var merges = ((Lep.Tokenization.Models.Bpe)tok.Model).Merges;
        Assert.All(merges, m => Assert.DoesNotContain("x", m.A + m.B));
        Assert.Contains(merges, m => m.A + m.B == "Ġab");
    }

    [SkippableFact]
    public void Sentencepiece_bpe_loads_in_oracle_and_encodes_identically()
    {
        var (tok, _) = BpeTrainer.Train(new CorpusReader(fx.Mixed1M), new BpeTrainerOptions { VocabSize = 3000, SentencePiece = true });
        Assert.Equal(3000, tok.VocabSize);
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>"], Enumerable.Range(0, 4).Select(i => tok.IdToToken(i)!));
        var dir = fx.Save(tok, "spbpe");
        TrainingFixture.AssertOracleAgrees(dir, fx.HeldOut.Take(1000).Concat(FuzzStrings.Generate(6, 300)));
    }

    [SkippableFact]
    public void Unigram_loads_in_oracle_and_encodes_identically()
    {
        var (tok, _) = UnigramTrainer.Train(new CorpusReader(fx.Mixed1M), new UnigramTrainerOptions { VocabSize = 2000 });
        Assert.Equal(2000, tok.VocabSize);
        var dir = fx.Save(tok, "unigram");
        TrainingFixture.AssertOracleAgrees(dir, fx.HeldOut.Take(1000).Concat(FuzzStrings.Generate(7, 300)));
    }

    /// <summary>Small-scale version of the 20 MB / 8k / 32k comparison: 2 MB of Russian, 4k pieces; chars/token per
    /// held-out line (as spm_encode counts) within 2 % of sentencepiece's, for Unigram and SentencePiece BPE — 3 % on
    /// the `lep data build --profile test` corpus, whose ~40k held-out Russian characters (fortunes and aptitude docs;
    /// Unigram measured 2.7 % below spm there) are too few to tell 2 % apart.</summary>
    [SkippableTheory]
    [InlineData("unigram")]
    [InlineData("bpe")]
    public void Trainers_match_spm_train_chars_per_token(string type)
    {
        string prefix = Path.Combine(fx.Dir, "spm_" + type);
        Run("spm_train", $"--input={fx.Ru2M} --model_prefix={prefix} --model_type={type} --vocab_size=4000 --character_coverage=0.9995 " +
                         "--byte_fallback=true --split_digits=true --normalization_rule_name=identity --remove_extra_whitespaces=false --num_threads=2 --minloglevel=2");
        var lines = fx.RuHeldOut.SelectMany(d => d.Split('\n')).Where(l => l.Trim().Length > 0).ToList();
        var linesFile = Path.Combine(fx.Dir, "lines.txt");
        File.WriteAllText(linesFile, string.Join("\n", lines) + "\n");
        string ids = Run("spm_encode", $"--model={prefix}.model --output_format=id --input={linesFile}");
        long spmTokens = ids.Split(['\n', ' '], StringSplitOptions.RemoveEmptyEntries).LongLength;
        Tokenizer ours = type == "unigram"
            ? UnigramTrainer.Train(new CorpusReader(fx.Ru2M), new UnigramTrainerOptions { VocabSize = 4000 }).Tokenizer
            : BpeTrainer.Train(new CorpusReader(fx.Ru2M), new BpeTrainerOptions { VocabSize = 4000, SentencePiece = true }).Tokenizer;
        long chars = lines.Sum(l => (long)l.Length);
        long ourTokens = lines.Sum(l => (long)ours.Encode(l, false).Length);
        double spm = (double)chars / spmTokens, us = (double)chars / ourTokens;
        double tolerance = chars >= 100_000 ? 0.02 : 0.03;   // the dev corpus holds out 221k characters
        Assert.True(Math.Abs(us / spm - 1) < tolerance, $"{type}: chars/token ours {us:0.000} vs spm {spm:0.000} on {chars:N0} held-out characters");
    }

    private static string Run(string exe, string args)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{exe} not found (apt-get install sentencepiece)");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{exe} failed: {stderr.Result}");
        return stdout.Result;
    }

    [Fact]
    public void Empty_corpus_is_a_clear_error()
    {
        var path = Path.Combine(fx.Dir, "empty.txt");
        File.WriteAllText(path, "\n\n\n");
        var e = Assert.Throws<LepInputException>(() => BpeTrainer.Train(new CorpusReader(path), new BpeTrainerOptions { VocabSize = 300 }));
        Assert.Contains("empty", e.Message);
        Assert.Throws<LepInputException>(() => UnigramTrainer.Train(new CorpusReader(path), new UnigramTrainerOptions { VocabSize = 300 }));
    }

    [Fact]
    public void Invalid_utf8_bytes_are_skipped_and_counted()
    {
        var path = Path.Combine(fx.Dir, "bad-utf8.txt");
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes("привет мир\n"));
        bytes.AddRange([0xFF, 0xC3, (byte)'a', 0xE2, 0x82]); // stray bytes, truncated sequences
        bytes.AddRange(Encoding.UTF8.GetBytes(" hello\n\nвторой документ\n"));
        bytes.Add(0xC0);
        string filler = string.Join("\n", Enumerable.Repeat("третий документ, достаточно длинный", 20)); // keeps the 5 bad bytes under 1 %
        bytes.AddRange(Encoding.UTF8.GetBytes("\n" + filler));
        File.WriteAllBytes(path, bytes.ToArray());
        var reader = new CorpusReader(path);
        var docs = reader.Read().ToList();
        Assert.Equal(["привет мир\na hello", "второй документ", filler], docs); // the line of one bad byte is empty: a document break
        Assert.Equal(5, reader.SkippedBytes);
        Assert.Equal(2, reader.DamagedLines);
        var (_, report) = BpeTrainer.Train(new CorpusReader(path), new BpeTrainerOptions { VocabSize = 300, MinFrequency = 1 });
        Assert.Equal(5, report.SkippedBytes);
    }
}
