using Lep.Data;
using Lep.Options;
using Lep.Tokenization.Models;
using Lep.Tokenization.PostProcessors;
using Lep.Tokenization.Training;

namespace Lep.Tokenization.Vocabulary;

/// <summary>How `lep tokenizer extend` grows a vocabulary.</summary>
public sealed record ExtendOptions
{
    /// <summary>New tokens to add.</summary>
    public required int Add { get; init; }
    /// <summary>A new token must occur at least this often in the corpus.</summary>
    public long MinFrequency { get; init; } = TokenizerExtendSchema.MinFrequency.Default;
    /// <summary>SentencePiece-style models: longest new piece in characters.</summary>
    public int MaxPieceLength { get; init; } = 16;
}

/// <summary>Extend, replace and trim vocabularies; each returns the new tokenizer and its alignment to the old one.</summary>
internal static class VocabularyOperations
{
    // ------------------------------------------------------------------ extend

    /// <summary>
    /// Extends a byte-level BPE (Llama-3/Qwen) or SentencePiece-BPE (Llama-2/Mistral: '▁' + byte fallback) tokenizer
    /// with new merges learned on a corpus starting from the existing merges: each corpus word is segmented with the
    /// old merges first, then pairs are merged greedily by frequency. Old ids keep their tokens; new ids follow the
    /// largest existing id (added/special tokens included), which keep theirs.
    /// </summary>
    /// <param name="source">the tokenizer's file, named in errors</param>
    public static (Tokenizer Tokenizer, TrainingReport Report) Extend(Tokenizer old, CorpusReader corpus, ExtendOptions o,
        IProgress<(string Stage, double Fraction)>? progress = null, string source = "tokenizer.json")
    {
        TokenizerExtendSchema.Add.Require(o.Add);
        TokenizerExtendSchema.MinFrequency.Require(o.MinFrequency);
        if (old.Model is not Bpe bpe) throw new LepInputException(source, $"extend needs a BPE model, this tokenizer has {old.Model.GetType().Name}");
        if (bpe.ContinuingSubwordPrefix != null || bpe.EndOfWordSuffix != null)
            throw new LepInputException(source, "extend does not support BPE models with continuing_subword_prefix / end_of_word_suffix");
        bool byteLevel = TokenText.UsesByteLevel(old);
        var report = new TrainingReport();
        var counts = WordCounter.Count(corpus, (doc, output) =>
        {
            foreach (var s in old.PreTokenize(doc))
            {
                if (s.IsToken) continue;
                if (byteLevel) output.Add(s.Text);
                else WordCounter.SplitMetaspace(s.Text, output);
            }
        }, report, BpeTrainer.Stage(progress, "counting words"));

        int oldSize = old.VocabSize;
        var tokens = new List<string>(oldSize + o.Add);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var addedIds = new HashSet<int>();
        for (int id = 0; id < oldSize; id++)
        {
            var added = old.AddedTokens.ById(id);
            string? t = added?.Content ?? old.Model.IdToToken(id);
            if (added != null) addedIds.Add(id);
            // a hole in the id space: a placeholder that can never be formed or merged
            tokens.Add(t ?? $"\0hole{id}");
            if (t != null) ids.TryAdd(t, id);
        }
        var noMerge = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in addedIds) noMerge.Add(tokens[id]);
        for (int id = 0; id < oldSize; id++) if (tokens[id].StartsWith('\0')) noMerge.Add(tokens[id]);
        if (bpe.UnkToken != null) noMerge.Add(bpe.UnkToken);
        Func<string, byte> flags;
        if (byteLevel) flags = t => noMerge.Contains(t) ? MergeLearner.NoMerge : (byte)0;
        else
        {
            for (int b = 0; b < 256; b++) if (bpe.ByteFallback) noMerge.Add($"<0x{b:X2}>");
            flags = t => BpeTrainer.SentencePieceFlags(t, noMerge, splitDigits: true);
        }
        var segment = new Func<string, int[]>(w =>
        {
            var r = new List<int>();
            bpe.Tokenize(w, r);
            return r.ToArray();
        });
        var (words, wc) = ParallelWords(counts, segment);
        counts = null!;
        report.Sample();
        var learner = new MergeLearner(tokens, ids, words, wc, flags);
        var addedContents = new HashSet<string>(addedIds.Select(i => tokens[i]), StringComparer.Ordinal);
        var merges = learner.Learn(o.Add, o.MinFrequency,
            s => !addedContents.Contains(s) && (byteLevel || UnigramTrainer.IsValidPiece(s, o.MaxPieceLength, splitDigits: true)), BpeTrainer.Stage(progress, "learning merges"));
        report.NewTokens = tokens.Count - oldSize;

        // the model vocabulary gets the added tokens too, so that HF assigns them their old ids on load
        var vocab = new Dictionary<string, int>(old.Model.GetVocab(), StringComparer.Ordinal);
        foreach (int id in addedIds) vocab.TryAdd(tokens[id], id);
        for (int id = oldSize; id < tokens.Count; id++) vocab[tokens[id]] = id;
        var allMerges = new List<(string, string)>(bpe.Merges.Count + merges.Count);
        allMerges.AddRange(bpe.Merges);
        foreach (var (a, b, _) in merges) allMerges.Add((tokens[a], tokens[b]));
        var model = new Bpe(vocab, allMerges, bpe.UnkToken, null, null, bpe.FuseUnk, bpe.ByteFallback, bpe.IgnoreMerges);
        var tok = new Tokenizer(model, old.Normalizer, old.PreTokenizer, old.PostProcessor, old.Decoder, old.AddedTokens.Tokens.Select(t => t.Token));
        Check(old, tok);
        report.VocabSize = tok.VocabSize;
        report.Sample();
        return (tok, report);
    }

    private static (int[][], long[]) ParallelWords(Dictionary<string, long> counts, Func<string, int[]> segment)
    {
        var keys = counts.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        var words = new int[keys.Length][];
        var c = new long[keys.Length];
        Parallel.For(0, keys.Length, i => words[i] = segment(keys[i]));
        for (int i = 0; i < keys.Length; i++) c[i] = counts[keys[i]];
        return (words, c);
    }

    /// <summary>Every old id must keep its token.</summary>
    private static void Check(Tokenizer old, Tokenizer @new)
    {
        for (int id = 0; id < old.VocabSize; id++)
            if (old.IdToToken(id) is string t && @new.IdToToken(id) != t)
                throw new InvalidOperationException($"id {id} changed from \"{t}\" to \"{@new.IdToToken(id)}\"");
    }

    // ------------------------------------------------------------------ replace

    /// <summary>
    /// The new tokenizer carrying the source's added/special tokens by content (the new tokenizer's id when it has
    /// the content, else appended). The post-processor follows the source: its TemplateProcessing with the new ids,
    /// or none when the source adds no special tokens.
    /// </summary>
    public static Tokenizer Replace(Tokenizer source, Tokenizer replacement)
    {
        var added = replacement.AddedTokens.Tokens.Select(t => t.Token).ToList();
        var seen = new HashSet<string>(added.Select(a => a.Content), StringComparer.Ordinal);
        foreach (var (_, t) in source.AddedTokens.Tokens)
            if (seen.Add(t.Content)) added.Add(t);
        var tmp = new Tokenizer(replacement.Model, replacement.Normalizer, replacement.PreTokenizer, null, replacement.Decoder, added);
        IPostProcessor? post = source.PostProcessor switch
        {
            TemplateProcessing tp => TokenizerFiles.RemapPostProcessor(tp, tmp.TokenToId),
            _ => replacement.PostProcessor is TemplateProcessing ? null : replacement.PostProcessor,
        };
        return new Tokenizer(replacement.Model, replacement.Normalizer, replacement.PreTokenizer, post, replacement.Decoder, added);
    }

    // ------------------------------------------------------------------ trim

    /// <summary>
    /// Keeps <paramref name="keep"/> tokens in all: the base alphabet (single characters, byte tokens), the added /
    /// special tokens and unk always, then tokens in id order (or by frequency in <paramref name="frequencies"/>),
    /// each with the parts it is merged from so it stays reachable. Merges whose parts or result vanish are dropped;
    /// ids are renumbered compactly in the old order. Returns the tokenizer and new id → old id.
    /// </summary>
    /// <param name="source">the tokenizer's file, named in errors</param>
    public static (Tokenizer Tokenizer, int[] OldIds) Trim(Tokenizer old, int keep, long[]? frequencies = null, string source = "tokenizer.json")
    {
        int n = old.VocabSize;
        var keepSet = new bool[n];
        int count = 0;
        void Mark(int id) { if (id >= 0 && id < n && !keepSet[id]) { keepSet[id] = true; count++; } }
        foreach (var (id, _) in old.AddedTokens.Tokens) Mark(id);
        var parents = new Dictionary<int, (int A, int B)>();
        if (old.Model is Bpe bpe)
        {
            foreach (var (tk, id) in bpe.GetVocab())
                if (tk.Length == 1 || (tk.Length == 2 && char.IsSurrogatePair(tk, 0)) || (bpe.ByteFallback && TokenText.ParseByteToken(tk) is not null)) Mark(id);
            if (bpe.UnkToken != null && bpe.TokenToId(bpe.UnkToken) is int u) Mark(u);
            foreach (var (a, b) in bpe.Merges)
            {
                int r = bpe.TokenToId(a + b)!.Value;
                parents.TryAdd(r, (bpe.TokenToId(a)!.Value, bpe.TokenToId(b)!.Value));
            }
        }
        else if (old.Model is Unigram uni)
        {
            for (int id = 0; id < uni.Pieces.Count; id++)
            {
                var p = uni.Pieces[id].Piece;
                if (p.Length == 1 || (p.Length == 2 && char.IsSurrogatePair(p, 0)) || (uni.ByteFallback && TokenText.ParseByteToken(p) is not null)) Mark(id);
            }
            if (uni.UnkId is int u) Mark(u);
        }
        else throw new LepInputException(source, $"trim does not support {old.Model.GetType().Name} models");
        if (keep < count) throw new OptionException(TokenizerTrimSchema.Keep, $"{keep} is smaller than the {count} tokens that must stay (base alphabet, byte and special tokens)");

        IEnumerable<int> order = Enumerable.Range(0, n);
        if (frequencies != null) order = order.OrderByDescending(i => i < frequencies.Length ? frequencies[i] : 0).ThenBy(i => i);
        var stack = new Stack<int>();
        foreach (int id in order)
        {
            if (count >= keep) break;
            if (keepSet[id] || old.IdToToken(id) == null) continue;
            // the token and everything it is built from
            var need = new List<int>();
            stack.Push(id);
            while (stack.Count > 0)
            {
                int x = stack.Pop();
                if (keepSet[x] || need.Contains(x)) continue;
                need.Add(x);
                if (parents.TryGetValue(x, out var p)) { stack.Push(p.A); stack.Push(p.B); }
            }
            if (count + need.Count > keep) continue;
            foreach (int x in need) Mark(x);
        }

        var oldIds = new List<int>();
        var newId = new int[n];
        Array.Fill(newId, -1);
        for (int id = 0; id < n; id++)
            if (keepSet[id] && old.IdToToken(id) != null) { newId[id] = oldIds.Count; oldIds.Add(id); }
        IModel model;
        if (old.Model is Bpe b2)
        {
            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (int id in oldIds) vocab[old.IdToToken(id)!] = newId[id];
            var merges = new List<(string, string)>();
            foreach (var (a, b) in b2.Merges)
                if (vocab.ContainsKey(a) && vocab.ContainsKey(b) && vocab.ContainsKey(a + b)) merges.Add((a, b));
            model = new Bpe(vocab, merges, b2.UnkToken, null, null, b2.FuseUnk, b2.ByteFallback, b2.IgnoreMerges);
        }
        else
        {
            var uni = (Unigram)old.Model;
            var pieces = new List<(string, double)>();
            foreach (int id in oldIds)
                pieces.Add(id < uni.Pieces.Count ? uni.Pieces[id] : (old.IdToToken(id)!, 0.0));
            model = new Unigram(pieces, uni.UnkId is int u ? newId[u] : null, uni.ByteFallback);
        }
        var added = old.AddedTokens.Tokens.Select(t => t.Token).ToList();
        var tmp = new Tokenizer(model, old.Normalizer, old.PreTokenizer, null, old.Decoder, added);
        var tok = new Tokenizer(model, old.Normalizer, old.PreTokenizer, TokenizerFiles.RemapPostProcessor(old.PostProcessor, tmp.TokenToId), old.Decoder, added);
        return (tok, oldIds.ToArray());
    }

    /// <summary>How often each id occurs when the corpus is encoded (no special tokens added).</summary>
    public static long[] CountTokens(Tokenizer tok, CorpusReader corpus, int maxDocuments = int.MaxValue)
    {
        var freq = new long[tok.VocabSize];
        var docs = corpus.Read().Take(maxDocuments).ToList();
        if (docs.Count == 0) throw new LepInputException(corpus.Path, "the corpus is empty (no documents with text)");
        Parallel.ForEach(docs, () => new long[freq.Length], (d, _, local) =>
        {
            foreach (int id in tok.Encode(d, false)) if (id < local.Length) local[id]++;
            return local;
        }, local => { lock (freq) for (int i = 0; i < freq.Length; i++) freq[i] += local[i]; });
        return freq;
    }
}
