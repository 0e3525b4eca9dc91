using System.Runtime.InteropServices;

namespace Lep.Tokenization.Training;

/// <summary>
/// Greedy BPE merge learning over counted words: pair counts are computed once, then updated incrementally for the
/// words a merge touches; the best pair comes from a lazy priority queue (count desc, then the pair's ids asc, so
/// results are deterministic). Used both for training from scratch and for extending an existing merge list
/// (words then start from their segmentation under the old merges).
/// </summary>
internal sealed class MergeLearner
{
    private readonly List<string> _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly int[][] _words;
    private readonly long[] _counts;
    private readonly List<byte> _flags; // per token: 1 = never merged, 2 = must not be a right part (starts with '▁')
    private readonly Dictionary<long, long> _pairCount = new();
    private readonly Dictionary<long, List<int>> _where = new();

    public const byte NoMerge = 1, NoRight = 2;

    /// <param name="tokens">id → token string (ids are list positions; gaps are null-free placeholders)</param>
    /// <param name="words">each distinct word as its current symbol ids</param>
    /// <param name="flags">per-token merge restrictions; called for new tokens too</param>
    public MergeLearner(List<string> tokens, Dictionary<string, int> ids, int[][] words, long[] counts, Func<string, byte> flags)
    {
        _tokens = tokens;
        _ids = ids;
        _words = words;
        _counts = counts;
        _flagOf = flags;
        _flags = new List<byte>(tokens.Count);
        foreach (var t in tokens) _flags.Add(flags(t));
    }

    private readonly Func<string, byte> _flagOf;

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    private bool CanMerge(int a, int b) => (_flags[a] & NoMerge) == 0 && (_flags[b] & (NoMerge | NoRight)) == 0;

    private readonly struct Priority(long count, int a, int b)
    {
        public readonly long Count = count;
        public readonly int A = a, B = b;
    }

    private sealed class PriorityComparer : IComparer<Priority>
    {
        public int Compare(Priority x, Priority y)
        {
            int c = y.Count.CompareTo(x.Count);
            if (c != 0) return c;
            c = x.A.CompareTo(y.A);
            return c != 0 ? c : x.B.CompareTo(y.B);
        }
    }

    /// <summary>Learns merges until <paramref name="maxNewTokens"/> new tokens exist or no pair reaches
    /// <paramref name="minFrequency"/>. A merge whose result already is a token reuses it (no new token).</summary>
    /// <param name="allowResult">whether a merged string may become a token (length limits, clashes)</param>
    public List<(int A, int B, int Result)> Learn(int maxNewTokens, long minFrequency, Func<string, bool> allowResult, IProgress<double>? progress = null)
    {
        for (int w = 0; w < _words.Length; w++)
        {
            var s = _words[w];
            long c = _counts[w];
            for (int i = 0; i + 1 < s.Length; i++)
            {
                if (!CanMerge(s[i], s[i + 1])) continue;
                long k = Key(s[i], s[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(_pairCount, k, out _) += c;
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_where, k, out _);
                list ??= new List<int>(2);
                if (list.Count == 0 || list[^1] != w) list.Add(w);
            }
        }
        var queue = new PriorityQueue<long, Priority>(_pairCount.Count, new PriorityComparer());
        foreach (var (k, c) in _pairCount) queue.Enqueue(k, new Priority(c, (int)(k >> 32), (int)k));

        var merges = new List<(int, int, int)>();
        var stamp = new int[_words.Length];
        int round = 0;
        int created = 0;
        var delta = new Dictionary<long, long>();
        var banned = new HashSet<long>();
        while (created < maxNewTokens && queue.TryDequeue(out long key, out var pr))
        {
            long cur = _pairCount.GetValueOrDefault(key);
            if (cur != pr.Count)
            {
                if (cur > 0) queue.Enqueue(key, new Priority(cur, pr.A, pr.B));
                continue;
            }
            if (cur < minFrequency || cur <= 0) break;
            int a = pr.A, b = pr.B;
            string merged = _tokens[a] + _tokens[b];
            if (banned.Contains(key)) continue;
            if (!allowResult(merged)) { banned.Add(key); _pairCount.Remove(key); continue; }
            if (!_ids.TryGetValue(merged, out int nid))
            {
                nid = _tokens.Count;
                _tokens.Add(merged);
                _ids[merged] = nid;
                _flags.Add(_flagOf(merged));
                created++;
            }
            merges.Add((a, b, nid));
            round++;
            delta.Clear();
            var where = _where[key];
            foreach (int w in where)
            {
                if (stamp[w] == round) continue;
                stamp[w] = round;
                var s = _words[w];
                int occurrences = 0;
                for (int i = 0; i + 1 < s.Length; i++) if (s[i] == a && s[i + 1] == b) { occurrences++; i++; }
                if (occurrences == 0) continue;
                long c = _counts[w];
                var t = new int[s.Length - occurrences];
                int n = 0;
                for (int i = 0; i < s.Length; i++)
                {
                    if (i + 1 < s.Length && s[i] == a && s[i + 1] == b) { t[n++] = nid; i++; }
                    else t[n++] = s[i];
                }
                for (int i = 0; i + 1 < s.Length; i++)
                    if (CanMerge(s[i], s[i + 1])) CollectionsMarshal.GetValueRefOrAddDefault(delta, Key(s[i], s[i + 1]), out _) -= c;
                for (int i = 0; i + 1 < t.Length; i++)
                {
                    if (!CanMerge(t[i], t[i + 1])) continue;
                    long k = Key(t[i], t[i + 1]);
                    CollectionsMarshal.GetValueRefOrAddDefault(delta, k, out _) += c;
                    if (t[i] == nid || t[i + 1] == nid)
                    {
                        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_where, k, out _);
                        list ??= new List<int>(2);
                        if (list.Count == 0 || list[^1] != w) list.Add(w);
                    }
                }
                _words[w] = t;
            }
            _where.Remove(key);
            foreach (var (k, d) in delta)
            {
                if (d == 0) continue;
                ref long pc = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairCount, k, out _);
                pc += d;
                if (pc <= 0) { _pairCount.Remove(k); _where.Remove(k); continue; }
                if (d > 0) queue.Enqueue(k, new Priority(pc, (int)(k >> 32), (int)k));
            }
            _pairCount.Remove(key);
            if (progress != null && (created & 255) == 0) progress.Report(maxNewTokens == int.MaxValue ? 0 : (double)created / maxNewTokens);
        }
        return merges;
    }
}
