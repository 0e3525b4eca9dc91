using System.Globalization;
using System.Runtime.InteropServices;
using Lep.Data;
using Lep.Options;
using Lep.Tokenization.Models;

namespace Lep.Tokenization.Training;

internal sealed record UnigramTrainerOptions
{
    /// <summary>Total size: specials, 256 byte pieces (with byte fallback) and pieces.</summary>
    public int VocabSize { get; init; } = 32000;
    public double CharacterCoverage { get; init; } = TokenizerTrainSchema.CharacterCoverage.Default;
    public int SeedSize { get; init; } = 1_000_000;
    public double ShrinkingFactor { get; init; } = 0.75;
    public int SubIterations { get; init; } = 2;
    public int MaxPieceLength { get; init; } = 16;
    public bool SplitDigits { get; init; } = true;
    public bool ByteFallback { get; init; } = true;
    /// <summary>Special tokens; the first is the unk piece.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = BpeTrainer.SentencePieceSpecials;

    public void Validate()
    {
        TokenizerTrainSchema.VocabSize.Require(VocabSize);
        new NumericRange(0, 1, MinInclusive: false, MaxInclusive: false).Require("shrinking factor", ShrinkingFactor);
        TokenizerTrainSchema.CharacterCoverage.Require(CharacterCoverage);
        if (SpecialTokens.Count == 0) throw new ArgumentException("a Unigram model needs an unk token (the first special token)");
    }
}

/// <summary>
/// SentencePiece's Unigram trainer: seed pieces are the most frequent substrings (frequency × length) of the
/// words, then EM (E: forward-backward expected counts; M: Bayesian/digamma update, dropping pieces with expected
/// count &lt; 0.5) with <see cref="UnigramTrainerOptions.SubIterations"/> sub-iterations and pruning by likelihood loss
/// to max(1.1 × target, 0.75 × current) until the target is reached; required characters always kept.
/// </summary>
internal static class UnigramTrainer
{
    private const double UnkPenalty = 10.0;
    private const char Meta = '\u2581';

    public static (Tokenizer Tokenizer, TrainingReport Report) Train(CorpusReader corpus, UnigramTrainerOptions o, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        o.Validate();
        var report = new TrainingReport();
        var counts = WordCounter.Count(corpus, (doc, output) => WordCounter.SplitMetaspace(WordCounter.MetaspaceNormalize(UnicodeProps.Sanitize(doc)), output),
            report, BpeTrainer.Stage(progress, "counting words"));
        var (words, wc) = Sorted(counts);
        counts = null!;
        int meta = o.SpecialTokens.Count + (o.ByteFallback ? 256 : 0);
        int target = o.VocabSize - meta;
        var required = SentencePieceAlphabet.RequiredChars(ToDict(words, wc), o.CharacterCoverage);
        if (target < required.Count)
            throw new OptionException(TokenizerTrainSchema.VocabSize, $"{o.VocabSize} is smaller than the {meta + required.Count} required pieces (specials, bytes, alphabet)");
        var requiredSet = new HashSet<string>(required, StringComparer.Ordinal);

        // ---- seeds
        var pieces = Seeds(words, wc, requiredSet, o);
        report.Sample();
        report.Notes.Add($"{pieces.Count:N0} seed pieces");
        int desired = (int)(target * 1.1);
        var model = new PieceModel(pieces);
        var seedProgress = BpeTrainer.Stage(progress, "EM + pruning");
        int startSize = model.Count;
        while (true)
        {
            for (int it = 0; it < o.SubIterations; it++)
            {
                var expected = EStep(model, words, wc, out _);
                model = MStep(model, expected);
            }
            report.Sample();
            seedProgress?.Report(Math.Clamp(Math.Log((double)startSize / model.Count) / Math.Log((double)startSize / desired), 0, 1));
            if (model.Count <= desired) break;
            model = Prune(model, words, wc, desired, o.ShrinkingFactor);
        }

        // ---- finalize
        var final = new Dictionary<string, double>(StringComparer.Ordinal);
        double minScore = model.Count > 0 ? model.Scores.Min() : 0;
        foreach (var ch in required)
            final[ch] = model.Ids.TryGetValue(ch, out int id) ? model.Scores[id] : minScore - 0.0001;
        foreach (int id in Enumerable.Range(0, model.Count).OrderByDescending(i => model.Scores[i]).ThenBy(i => model.Pieces[i], StringComparer.Ordinal))
        {
            if (final.Count >= target) break;
            final.TryAdd(model.Pieces[id], model.Scores[id]);
        }
        var vocab = new List<(string, double)>();
        foreach (var s in o.SpecialTokens) vocab.Add((s, 0.0));
        if (o.ByteFallback) for (int b = 0; b < 256; b++) vocab.Add(($"<0x{b:X2}>", 0.0));
        var reserved = new HashSet<string>(vocab.Select(v => v.Item1), StringComparer.Ordinal);
        foreach (var (p, s) in final.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            if (!reserved.Contains(p)) vocab.Add((p, s));
        var unigram = new Unigram(vocab, unkId: 0, byteFallback: o.ByteFallback);
        var tok = BpeTrainer.SentencePieceTokenizer(unigram, o.SpecialTokens);
        report.VocabSize = tok.VocabSize;
        report.NewTokens = vocab.Count;
        report.Sample();
        return (tok, report);
    }

    private static Dictionary<string, long> ToDict(string[] words, long[] c)
    {
        var d = new Dictionary<string, long>(words.Length, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) d[words[i]] = c[i];
        return d;
    }

    private static (string[], long[]) Sorted(Dictionary<string, long> counts)
    {
        var keys = counts.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        var c = new long[keys.Length];
        for (int i = 0; i < keys.Length; i++) c[i] = counts[keys[i]];
        return (keys, c);
    }

    // ------------------------------------------------------------------ seeds

    private static int Script(int c, bool splitDigits)
    {
        if (c == Meta) return -1; // any
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        if (cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark) return -1; // inherited
        if (cat == UnicodeCategory.DecimalDigitNumber) return splitDigits ? -3 : 1;
        if (c is >= 0x3040 and <= 0x30FF or >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF) return 2; // Han + kana
        if (char.IsLetter((char)Math.Min(c, 0xFFFF))
            || cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.TitlecaseLetter)
        {
            if (c < 0x250 || c is >= 0x1E00 and <= 0x1EFF) return 3; // Latin
            if (c is >= 0x370 and <= 0x3FF or >= 0x1F00 and <= 0x1FFF) return 4; // Greek
            if (c is >= 0x400 and <= 0x52F or >= 0x1C80 and <= 0x1C8F or >= 0x2DE0 and <= 0x2DFF or >= 0xA640 and <= 0xA69F) return 5; // Cyrillic
            return 100 + (c >> 7); // other scripts by block
        }
        if (cat is UnicodeCategory.Control or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned) return -2; // never inside a piece
        return 6; // common: punctuation, symbols, other numbers
    }

    /// <summary>SentencePiece's IsValidSentencePiece for multi-character pieces.</summary>
    private static bool ValidExtension(int prevScript, int c, bool first, out int script, bool splitDigits)
    {
        script = prevScript;
        if (c == Meta) return first;
        int s = Script(c, splitDigits);
        if (s == -2 || s == -3) return false;
        if (s == -1) return !first || true;
        if (prevScript >= 0 && s != prevScript) return false;
        script = s;
        return true;
    }

    /// <summary>SentencePiece's IsValidSentencePiece: at most <paramref name="maxLength"/> code points, '▁' only first,
    /// one script (punctuation apart from letters), digits alone when split, no whitespace/control characters.</summary>
    public static bool IsValidPiece(string s, int maxLength, bool splitDigits)
    {
        int script = -1, n = 0;
        for (int i = 0; i < s.Length;)
        {
            int cp = UnicodeProps.CodePointAt(s, i, out int len);
            if (!ValidExtension(script, cp, i == 0, out script, splitDigits) && !(s.Length == len)) return false;
            i += len;
            n++;
        }
        return n <= maxLength;
    }

    private static List<(string Piece, double Score)> Seeds(string[] words, long[] wc, HashSet<string> required, UnigramTrainerOptions o)
    {
        // every substring (≥ 2 code points, ≤ MaxPieceLength, valid) with its frequency; score = frequency × length
        var freq = new Dictionary<string, long>(StringComparer.Ordinal);
        var alt = freq.GetAlternateLookup<ReadOnlySpan<char>>();
        var charFreq = new Dictionary<string, long>(StringComparer.Ordinal);
        var cps = new List<(int Pos, int Len, int Cp)>();
        for (int w = 0; w < words.Length; w++)
        {
            string s = words[w];
            long c = wc[w];
            cps.Clear();
            for (int i = 0; i < s.Length;)
            {
                int cp = UnicodeProps.CodePointAt(s, i, out int len);
                cps.Add((i, len, cp));
                i += len;
            }
            foreach (var (pos, len, _) in cps)
                CollectionsMarshal.GetValueRefOrAddDefault(charFreq, s.Substring(pos, len), out _) += c;
            for (int a = 0; a < cps.Count; a++)
            {
                if (!required.Contains(s.Substring(cps[a].Pos, cps[a].Len))) continue;
                int script = -1;
                if (!ValidExtension(-1, cps[a].Cp, true, out script, o.SplitDigits)) continue;
                for (int b = a + 1; b < cps.Count && b - a < o.MaxPieceLength; b++)
                {
                    if (!ValidExtension(script, cps[b].Cp, false, out script, o.SplitDigits)) break;
                    if (!required.Contains(s.Substring(cps[b].Pos, cps[b].Len))) break;
                    int end = cps[b].Pos + cps[b].Len;
                    var span = s.AsSpan(cps[a].Pos, end - cps[a].Pos);
                    if (alt.TryGetValue(span, out long f)) alt[span] = f + c;
                    else freq[span.ToString()] = c;
                }
            }
        }
        var subs = new List<(string Piece, double Score)>(freq.Count / 2);
        foreach (var (p, f) in freq)
            if (f >= 2) subs.Add((p, (double)f * p.Length));
        freq = null!;
        subs.Sort((x, y) =>
        {
            int c = y.Score.CompareTo(x.Score);
            return c != 0 ? c : string.CompareOrdinal(x.Piece, y.Piece);
        });
        var seeds = new List<(string, double)>();
        foreach (var ch in required) seeds.Add((ch, charFreq.GetValueOrDefault(ch, 1)));
        foreach (var s in subs)
        {
            if (seeds.Count >= o.SeedSize) break;
            seeds.Add(s);
        }
        double logSum = Math.Log(seeds.Sum(s => s.Item2));
        for (int i = 0; i < seeds.Count; i++) seeds[i] = (seeds[i].Item1, Math.Log(seeds[i].Item2) - logSum);
        return seeds;
    }

    // ------------------------------------------------------------------ model + lattice

    internal sealed class PieceModel
    {
        public readonly string[] Pieces;
        public readonly double[] Scores;
        public readonly Dictionary<string, int> Ids;
        public readonly PieceTrie Trie;
        public readonly double UnkScore;
        public int Count => Pieces.Length;

        public PieceModel(List<(string Piece, double Score)> pieces)
        {
            Pieces = pieces.Select(p => p.Piece).ToArray();
            Scores = pieces.Select(p => p.Score).ToArray();
            Ids = new Dictionary<string, int>(Pieces.Length, StringComparer.Ordinal);
            for (int i = 0; i < Pieces.Length; i++) Ids[Pieces[i]] = i;
            Trie = new PieceTrie(Pieces);
            UnkScore = (Scores.Length > 0 ? Scores.Min() : 0) - UnkPenalty;
        }
    }

    /// <summary>A compact char trie (children sorted per node, binary search).</summary>
    internal sealed class PieceTrie
    {
        private readonly int[] _start; // per node: first edge; _start[n+1] end
        private readonly char[] _edgeChar;
        private readonly int[] _edgeChild;
        private readonly int[] _piece;

        public PieceTrie(string[] pieces)
        {
            var edges = new Dictionary<long, int>();
            var piece = new List<int> { -1 };
            for (int id = 0; id < pieces.Length; id++)
            {
                int node = 0;
                foreach (char c in pieces[id])
                {
                    long k = ((long)node << 16) | c;
                    if (!edges.TryGetValue(k, out int child))
                    {
                        child = piece.Count;
                        piece.Add(-1);
                        edges[k] = child;
                    }
                    node = child;
                }
                piece[node] = id;
            }
            _piece = piece.ToArray();
            var list = edges.Select(kv => (Parent: (int)(kv.Key >> 16), C: (char)(kv.Key & 0xFFFF), Child: kv.Value)).ToArray();
            Array.Sort(list, (x, y) => x.Parent != y.Parent ? x.Parent.CompareTo(y.Parent) : x.C.CompareTo(y.C));
            _start = new int[_piece.Length + 1];
            _edgeChar = new char[list.Length];
            _edgeChild = new int[list.Length];
            for (int i = 0; i < list.Length; i++)
            {
                _edgeChar[i] = list[i].C;
                _edgeChild[i] = list[i].Child;
                _start[list[i].Parent + 1]++;
            }
            for (int n = 0; n < _piece.Length; n++) _start[n + 1] += _start[n];
        }

        public int Child(int node, char c)
        {
            int lo = _start[node], hi = _start[node + 1] - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                char m = _edgeChar[mid];
                if (m == c) return _edgeChild[mid];
                if (m < c) lo = mid + 1; else hi = mid - 1;
            }
            return -1;
        }

        public int PieceAt(int node) => _piece[node];
    }

    internal struct Node
    {
        public int Start, End, Id;
        public double Score;
    }

    /// <summary>All lattice nodes of <paramref name="s"/>, ordered by start. <paramref name="exclude"/> is left out.</summary>
    internal static void Populate(PieceModel m, string s, List<Node> nodes, int exclude = -1)
    {
        nodes.Clear();
        for (int start = 0; start < s.Length;)
        {
            int cpLen = char.IsHighSurrogate(s[start]) && start + 1 < s.Length && char.IsLowSurrogate(s[start + 1]) ? 2 : 1;
            bool single = false;
            int node = 0;
            for (int k = start; k < s.Length; k++)
            {
                node = m.Trie.Child(node, s[k]);
                if (node < 0) break;
                int id = m.Trie.PieceAt(node);
                if (id < 0) continue;
                if (id == exclude)
                {
                    // as in SentencePiece's 2-best: the excluded piece still counts as the single-character node
                    if (k + 1 - start == cpLen) single = true;
                    continue;
                }
                nodes.Add(new Node { Start = start, End = k + 1, Id = id, Score = m.Scores[id] });
                if (k + 1 - start == cpLen) single = true;
            }
            if (!single) nodes.Add(new Node { Start = start, End = start + cpLen, Id = -1, Score = m.UnkScore });
            start += cpLen;
        }
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        return a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }

    /// <summary>Best segmentation (node list) or null when none exists.</summary>
    internal static List<Node>? Viterbi(PieceModel m, string s, List<Node> nodes, int exclude = -1)
    {
        Populate(m, s, nodes, exclude);
        var best = new double[s.Length + 1];
        var back = new int[s.Length + 1];
        Array.Fill(best, double.NegativeInfinity);
        Array.Fill(back, -1);
        best[0] = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (double.IsNegativeInfinity(best[n.Start])) continue;
            double v = best[n.Start] + n.Score;
            if (v > best[n.End]) { best[n.End] = v; back[n.End] = i; }
        }
        if (back[s.Length] < 0) return null;
        var path = new List<Node>();
        for (int e = s.Length; e > 0;)
        {
            var n = nodes[back[e]];
            path.Add(n);
            e = n.Start;
        }
        path.Reverse();
        return path;
    }

    private static double[] EStep(PieceModel m, string[] words, long[] wc, out double objective)
    {
        int parts = Math.Min(Environment.ProcessorCount, 8);
        var locals = new double[parts][];
        var objs = new double[parts];
        Parallel.For(0, parts, p =>
        {
            var expected = new double[m.Count];
            var nodes = new List<Node>();
            double[] alpha = new double[64], beta = new double[64];
            for (int w = p; w < words.Length; w += parts)
            {
                string s = words[w];
                int L = s.Length;
                if (alpha.Length < L + 1) { alpha = new double[L * 2 + 1]; beta = new double[L * 2 + 1]; }
                Populate(m, s, nodes);
                for (int i = 0; i <= L; i++) { alpha[i] = double.NegativeInfinity; beta[i] = double.NegativeInfinity; }
                alpha[0] = 0;
                beta[L] = 0;
                foreach (var n in nodes) alpha[n.End] = LogAdd(alpha[n.End], alpha[n.Start] + n.Score);
                for (int i = nodes.Count - 1; i >= 0; i--)
                {
                    var n = nodes[i];
                    beta[n.Start] = LogAdd(beta[n.Start], n.Score + beta[n.End]);
                }
                double z = alpha[L];
                long c = wc[w];
                foreach (var n in nodes)
                    if (n.Id >= 0) expected[n.Id] += c * Math.Exp(alpha[n.Start] + n.Score + beta[n.End] - z);
                objs[p] -= c * z;
            }
            locals[p] = expected;
        });
        var sum = locals[0];
        for (int p = 1; p < parts; p++) for (int i = 0; i < sum.Length; i++) sum[i] += locals[p][i];
        objective = objs.Sum();
        return sum;
    }

    private static PieceModel MStep(PieceModel m, double[] expected)
    {
        var kept = new List<(string, double)>();
        double sum = 0;
        for (int i = 0; i < m.Count; i++)
        {
            if (expected[i] < 0.5) continue;
            kept.Add((m.Pieces[i], expected[i]));
            sum += expected[i];
        }
        double logSum = Digamma(sum);
        for (int i = 0; i < kept.Count; i++) kept[i] = (kept[i].Item1, Digamma(kept[i].Item2) - logSum);
        return new PieceModel(kept);
    }

    internal static double Digamma(double x)
    {
        double result = 0;
        for (; x < 7; ++x) result -= 1 / x;
        x -= 0.5;
        double xx = 1.0 / x, xx2 = xx * xx, xx4 = xx2 * xx2;
        return result + Math.Log(x) + (1.0 / 24.0) * xx2 - (7.0 / 960.0) * xx4 + (31.0 / 8064.0) * xx4 * xx2 - (127.0 / 30720.0) * xx4 * xx4;
    }

    private static PieceModel Prune(PieceModel m, string[] words, long[] wc, int desired, double shrink)
    {
        int n = m.Count;
        var alwaysKeep = new bool[n];
        var alternatives = new int[n][];
        Parallel.For(0, n, () => new List<Node>(), (i, _, nodes) =>
        {
            string p = m.Pieces[i];
            var best = Viterbi(m, p, nodes);
            if (best != null && best.Count >= 2) { alwaysKeep[i] = false; alternatives[i] = []; return nodes; }
            var second = Viterbi(m, p, nodes, exclude: i);
            if (second == null) { alwaysKeep[i] = true; alternatives[i] = []; return nodes; }
            alwaysKeep[i] = true;
            alternatives[i] = second.Select(x => x.Id).ToArray();
            return nodes;
        }, _ => { });

        var freq = new double[n];
        var wordFreq = new double[n]; // Σ counts of words whose Viterbi uses the piece (per occurrence, as SentencePiece)
        int parts = Math.Min(Environment.ProcessorCount, 8);
        var lf = new double[parts][];
        Parallel.For(0, parts, p =>
        {
            var f = new double[n];
            var nodes = new List<Node>();
            for (int w = p; w < words.Length; w += parts)
            {
                var path = Viterbi(m, words[w], nodes);
                if (path == null) continue;
                foreach (var x in path) if (x.Id >= 0) f[x.Id] += wc[w];
            }
            lf[p] = f;
        });
        for (int p = 0; p < parts; p++) for (int i = 0; i < n; i++) freq[i] += lf[p][i];
        Array.Copy(freq, wordFreq, n);
        double sum = freq.Sum();
        double totalWords = 0;
        foreach (long c in wc) totalWords += c;
        double logSum = Math.Log(sum);
        var kept = new List<(string, double)>();
        var candidates = new List<(int Id, double Loss)>();
        for (int i = 0; i < n; i++)
        {
            if (freq[i] == 0 || !alwaysKeep[i]) continue;
            if (alternatives[i].Length == 0) { kept.Add((m.Pieces[i], m.Scores[i])); continue; }
            double F = wordFreq[i] / totalWords; // SentencePiece: frequency of the words holding the piece / all words
            double logProbSp = Math.Log(freq[i]) - logSum;
            double logSumAlt = Math.Log(sum + freq[i] * (alternatives[i].Length - 1));
            double logProbAlt = 0;
            foreach (int a in alternatives[i])
                logProbAlt += Math.Log((a >= 0 ? freq[a] : 0) + freq[i]) - logSumAlt;
            candidates.Add((i, F * (logProbSp - logProbAlt)));
        }
        int pruned = Math.Max(desired, (int)(shrink * n));
        candidates.Sort((x, y) => y.Loss != x.Loss ? y.Loss.CompareTo(x.Loss) : x.Id.CompareTo(y.Id));
        foreach (var (id, _) in candidates)
        {
            if (kept.Count >= pruned) break;
            kept.Add((m.Pieces[id], m.Scores[id]));
        }
        return new PieceModel(kept);
    }
}
