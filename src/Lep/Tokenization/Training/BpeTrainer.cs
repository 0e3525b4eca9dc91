using Lep.Data;
using Lep.Options;
using Lep.Tokenization.Decoders;
using Lep.Tokenization.Models;
using Lep.Tokenization.Normalizers;
using Lep.Tokenization.PostProcessors;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tokenization.Training;

internal sealed record BpeTrainerOptions
{
    /// <summary>Total vocabulary size, special tokens and the base alphabet included.</summary>
    public int VocabSize { get; init; } = 32000;
    public long MinFrequency { get; init; } = TokenizerTrainSchema.MinFrequency.Default;
    /// <summary>Special tokens (ids 0…k-1). Default: none for byte-level, &lt;unk&gt; &lt;s&gt; &lt;/s&gt; for SentencePiece style.</summary>
    public IReadOnlyList<string>? SpecialTokens { get; init; }
    /// <summary>SentencePiece-style BPE (metaspace '▁', byte fallback, like Llama-2/Mistral) instead of byte-level.</summary>
    public bool SentencePiece { get; init; }
    /// <summary>SentencePiece style: share of characters covered by the alphabet; the rest goes to byte fallback.</summary>
    public double CharacterCoverage { get; init; } = TokenizerTrainSchema.CharacterCoverage.Default;
    /// <summary>SentencePiece style: longest piece in characters.</summary>
    public int MaxPieceLength { get; init; } = 16;
    /// <summary>SentencePiece style: digits never merge.</summary>
    public bool SplitDigits { get; init; } = true;

    public void Validate()
    {
        TokenizerTrainSchema.VocabSize.Require(VocabSize);
        TokenizerTrainSchema.MinFrequency.Require(MinFrequency);
        TokenizerTrainSchema.CharacterCoverage.Require(CharacterCoverage);
    }
}

/// <summary>BPE trainers writing HF tokenizer.json: byte-level (Llama-3 pre-tokenization) or SentencePiece style.</summary>
internal static class BpeTrainer
{
    public static readonly string[] SentencePieceSpecials = ["<unk>", "<s>", "</s>"];

    /// <summary>The Llama-3 style byte-level pre-tokenizer: Split(Llama-3 regex) then ByteLevel without regex.</summary>
    public static IPreTokenizer ByteLevelPreTokenizer() => new PreTokenizerSequence([
        new SplitPreTokenizer(new Pattern(Tiktoken.Llama3Pattern, true), SplitBehavior.Isolated, false),
        new PreTokenizers.ByteLevelPreTokenizer(false, true, false),
    ]);

    public static (Tokenizer Tokenizer, TrainingReport Report) Train(CorpusReader corpus, BpeTrainerOptions options, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        options.Validate();
        return options.SentencePiece ? TrainSentencePiece(corpus, options, progress) : TrainByteLevel(corpus, options, progress);
    }

    private static (Tokenizer, TrainingReport) TrainByteLevel(CorpusReader corpus, BpeTrainerOptions o, IProgress<(string, double)>? progress)
    {
        var report = new TrainingReport();
        var specials = o.SpecialTokens ?? [];
        var pre = ByteLevelPreTokenizer();
        var counts = WordCounter.Count(corpus, (doc, output) =>
        {
            var splits = new List<Split>();
            pre.Split(UnicodeProps.Sanitize(doc), true, splits);
            foreach (var s in splits) output.Add(s.Text);
        }, report, Stage(progress, "counting words"));

        var tokens = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in specials) if (!ids.ContainsKey(s)) { ids[s] = tokens.Count; tokens.Add(s); }
        for (int b = 0; b < 256; b++)
        {
            string c = ByteLevel.CharOf((byte)b).ToString();
            if (!ids.ContainsKey(c)) { ids[c] = tokens.Count; tokens.Add(c); }
        }
        int baseCount = tokens.Count;
        if (o.VocabSize < baseCount)
            throw new OptionException(TokenizerTrainSchema.VocabSize, $"{o.VocabSize} is smaller than the {baseCount} base tokens (256 bytes + special tokens)");
        var (words, wordCounts) = Words(counts, w => w.Select(ch => ids[ch.ToString()]).ToArray());
        var specialSet = new HashSet<string>(specials, StringComparer.Ordinal);
        var learner = new MergeLearner(tokens, ids, words, wordCounts, t => specialSet.Contains(t) ? MergeLearner.NoMerge : (byte)0);
        var merges = learner.Learn(o.VocabSize - baseCount, o.MinFrequency, _ => true, Stage(progress, "learning merges"));
        report.NewTokens = tokens.Count - baseCount;
        var vocab = new Dictionary<string, int>(ids, StringComparer.Ordinal);
        var model = new Bpe(vocab, merges.Select(m => (tokens[m.A], tokens[m.B])).ToList(), ignoreMerges: false);
        var tok = new Tokenizer(model, null, pre, new ByteLevelProcessor(true, false, true), new ByteLevelDecoder(true, true, true),
            specials.Select(s => new AddedToken(s, true, Normalized: false)));
        report.VocabSize = tok.VocabSize;
        report.Sample();
        return (tok, report);
    }

    private static (Tokenizer, TrainingReport) TrainSentencePiece(CorpusReader corpus, BpeTrainerOptions o, IProgress<(string, double)>? progress)
    {
        var report = new TrainingReport();
        var specials = o.SpecialTokens ?? SentencePieceSpecials;
        var counts = WordCounter.Count(corpus, (doc, output) => WordCounter.SplitMetaspace(WordCounter.MetaspaceNormalize(UnicodeProps.Sanitize(doc)), output),
            report, Stage(progress, "counting words"));
        var tokens = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string t) { if (!ids.ContainsKey(t)) { ids[t] = tokens.Count; tokens.Add(t); } }
        foreach (var s in specials) Add(s);
        for (int b = 0; b < 256; b++) Add($"<0x{b:X2}>");
        foreach (var c in SentencePieceAlphabet.RequiredChars(counts, o.CharacterCoverage)) Add(c);
        int baseCount = tokens.Count;
        if (o.VocabSize < baseCount)
            throw new OptionException(TokenizerTrainSchema.VocabSize, $"{o.VocabSize} is smaller than the {baseCount} base tokens (specials, 256 bytes, alphabet)");
        var (words, wordCounts) = Words(counts, w => SentencePieceAlphabet.Symbols(w, ids));
        var noMerge = new HashSet<string>(specials, StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) noMerge.Add($"<0x{b:X2}>");
        var learner = new MergeLearner(tokens, ids, words, wordCounts, t => SentencePieceFlags(t, noMerge, o.SplitDigits));
        var merges = learner.Learn(o.VocabSize - baseCount, o.MinFrequency, s => UnigramTrainer.IsValidPiece(s, o.MaxPieceLength, o.SplitDigits),
            Stage(progress, "learning merges"));
        report.NewTokens = tokens.Count - baseCount;
        var model = new Bpe(new Dictionary<string, int>(ids, StringComparer.Ordinal), merges.Select(m => (tokens[m.A], tokens[m.B])).ToList(),
            unkToken: specials.Contains("<unk>") ? "<unk>" : null, fuseUnk: true, byteFallback: true);
        var tok = SentencePieceTokenizer(model, specials);
        report.VocabSize = tok.VocabSize;
        report.Sample();
        return (tok, report);
    }

    internal static byte SentencePieceFlags(string t, HashSet<string> noMerge, bool splitDigits)
    {
        if (noMerge.Contains(t)) return MergeLearner.NoMerge;
        if (t.Length == 1 && (char.IsWhiteSpace(t[0]) || char.IsControl(t[0]) || (splitDigits && char.IsDigit(t[0])))) return MergeLearner.NoMerge;
        return t.Length > 0 && t[0] == '\u2581' ? MergeLearner.NoRight : (byte)0;
    }

    /// <summary>The Llama-2 / darulm tokenizer.json pipeline around a model.</summary>
    public static Tokenizer SentencePieceTokenizer(IModel model, IReadOnlyList<string> specials)
    {
        var post = specials.Contains("<s>") && model.TokenToId("<s>") is int bos
            ? new TemplateProcessing(
                [new TemplatePiece(false, "<s>", 0), new TemplatePiece(true, "A", 0)],
                [new TemplatePiece(false, "<s>", 0), new TemplatePiece(true, "A", 0), new TemplatePiece(false, "<s>", 1), new TemplatePiece(true, "B", 1)],
                new Dictionary<string, TemplateSpecialToken> { ["<s>"] = new("<s>", [bos], ["<s>"]) })
            : null;
        return new Tokenizer(model,
            normalizer: new NormalizerSequence([new Prepend("\u2581"), new Replace(new Pattern(" ", false), "\u2581")]),
            preTokenizer: null,
            postProcessor: post,
            decoder: new DecoderSequence([new ReplaceDecoder(new Pattern("\u2581", false), " "), new ByteFallbackDecoder(), new FuseDecoder(), new StripDecoder(" ", 1, 0)]),
            addedTokens: specials.Select(s => new AddedToken(s, true, Normalized: false)));
    }

    internal static (int[][] Words, long[] Counts) Words(Dictionary<string, long> counts, Func<string, int[]> symbols)
    {
        var keys = counts.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        var words = new int[keys.Length][];
        var c = new long[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            words[i] = symbols(keys[i]);
            c[i] = counts[keys[i]];
        }
        return (words, c);
    }

    internal static IProgress<double>? Stage(IProgress<(string, double)>? p, string name) =>
        p == null ? null : new SyncProgress<double>(f => p.Report((name, f)));
}


/// <summary>SentencePiece's alphabet rules: characters by frequency up to the coverage; others fall back to bytes.</summary>
internal static class SentencePieceAlphabet
{
    public static List<string> RequiredChars(Dictionary<string, long> words, double coverage)
    {
        var freq = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (w, c) in words)
        {
            for (int i = 0; i < w.Length;)
            {
                int len = char.IsHighSurrogate(w[i]) && i + 1 < w.Length && char.IsLowSurrogate(w[i + 1]) ? 2 : 1;
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(freq, w.Substring(i, len), out _) += c;
                i += len;
            }
        }
        var sorted = freq.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        long total = sorted.Sum(kv => kv.Value);
        var result = new List<string>();
        long acc = 0;
        foreach (var (ch, c) in sorted)
        {
            if (ch != "\u2581" && result.Count > 0 && acc >= total * coverage) break;
            result.Add(ch);
            acc += c;
        }
        if (!result.Contains("\u2581")) result.Insert(0, "\u2581");
        return result;
    }

    /// <summary>A word's characters as ids; characters outside the alphabet become their UTF-8 byte tokens.</summary>
    public static int[] Symbols(string w, IReadOnlyDictionary<string, int> ids)
    {
        var r = new List<int>(w.Length);
        for (int i = 0; i < w.Length;)
        {
            int len = char.IsHighSurrogate(w[i]) && i + 1 < w.Length && char.IsLowSurrogate(w[i + 1]) ? 2 : 1;
            var ch = w.Substring(i, len);
            if (ids.TryGetValue(ch, out int id)) r.Add(id);
            else foreach (byte b in System.Text.Encoding.UTF8.GetBytes(ch)) r.Add(ids[$"<0x{b:X2}>"]);
            i += len;
        }
        return r.ToArray();
    }
}
