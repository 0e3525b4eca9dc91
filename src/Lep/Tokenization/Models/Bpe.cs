using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Lep.Tokenization.Models;

/// <summary>
/// Byte-pair encoding with HF semantics: merges applied by rank with HF's exact priority-queue procedure,
/// optional byte fallback (<c>&lt;0xNN&gt;</c> tokens), unk token (fused or not), ignore_merges, continuing-subword
/// prefix and end-of-word suffix. Dropout is not supported (must be null/0). Results are cached per piece
/// (bounded; the cache never changes results).
/// </summary>
internal sealed class Bpe : IModel
{
    private const int CacheCapacity = 200_000;
    private const int MaxCachedLength = 256;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<int, string> _vocabR;
    private readonly List<(string A, string B)> _merges;
    private readonly MergeTable _mergeMap;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheSpan;
    private int _cacheCount;
    private readonly int[] _byteIds = new int[256]; // -1 when missing
    private readonly bool _allBytes;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabSpan;
    private readonly int[] _charIds = new int[65536]; // id of each single-UTF-16-unit token, -1 when missing

    public string? UnkToken { get; }
    public string? ContinuingSubwordPrefix { get; }
    public string? EndOfWordSuffix { get; }
    public bool FuseUnk { get; }
    public bool ByteFallback { get; }
    public bool IgnoreMerges { get; }
    public IReadOnlyList<(string A, string B)> Merges => _merges;

    private const char Meta = '\u2581';

    /// <summary>
    /// True when a piece may be cut before every '▁' (after its first character) and each part merged on its own,
    /// with the same result as merging the whole piece (decided once, at construction). That holds when '▁' is a
    /// single-character token, no merge has a right-hand token that starts with '▁', and there are no affixes and no
    /// ignore_merges. Proof: at a cut, the symbol to the right starts with that '▁' (it is the '▁' token, and it can
    /// only grow to the right, since growing to the left needs a merge (a, b) with b starting with '▁'), so no merge
    /// ever joins the two sides; unknown characters never fuse across a known '▁', and byte fallback is per
    /// character. HF's merge order restricted to one part is that part's own merge order (its queue entries are
    /// only created and invalidated by merges inside it, and positions keep their relative order), so each part
    /// ends the same as when merged alone. SentencePiece-style BPE (no pre-tokenizer: the whole document is one
    /// piece) thus gets the word cache and the short-word path per word.
    /// </summary>
    internal bool SplitsAtMeta { get; }

    /// <param name="vocab">token → id</param>
    /// <param name="merges">merge pairs, highest priority first</param>
    public Bpe(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string A, string B)> merges, string? unkToken = null,
        string? continuingSubwordPrefix = null, string? endOfWordSuffix = null, bool fuseUnk = false, bool byteFallback = false,
        bool ignoreMerges = false)
        : this(vocab, merges, unkToken, continuingSubwordPrefix, endOfWordSuffix, fuseUnk, byteFallback, ignoreMerges, false)
    {
    }

    private Bpe(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string A, string B)> merges, string? unkToken,
        string? continuingSubwordPrefix, string? endOfWordSuffix, bool fuseUnk, bool byteFallback, bool ignoreMerges, bool takeOwnership)
    {
        if (vocab is Dictionary<string, int> owned && ReferenceEquals(owned.Comparer, StringComparer.Ordinal) && takeOwnership)
            _vocab = owned;
        else
        {
            _vocab = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
            foreach (var (k, v) in vocab) _vocab[k] = v;
        }
        _vocabR = new Dictionary<int, string>(_vocab.Count);
        foreach (var (k, v) in _vocab) _vocabR[v] = k;
        _vocabSpan = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        UnkToken = unkToken;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        EndOfWordSuffix = endOfWordSuffix;
        FuseUnk = fuseUnk;
        ByteFallback = byteFallback;
        IgnoreMerges = ignoreMerges;
        _merges = new List<(string, string)>(merges);
        _mergeMap = new MergeTable(merges.Count);
        int prefixLen = continuingSubwordPrefix?.Length ?? 0;
        var mergeBuf = new char[256];
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (a, b) = merges[rank];
            if (!_vocab.TryGetValue(a, out int aId)) throw Json.Bad($"merge {rank + 1} (\"{a} {b}\"): token \"{a}\" is not in the vocabulary");
            if (!_vocab.TryGetValue(b, out int bId)) throw Json.Bad($"merge {rank + 1} (\"{a} {b}\"): token \"{b}\" is not in the vocabulary");
            var bPart = prefixLen > 0 && b.StartsWith(continuingSubwordPrefix!, StringComparison.Ordinal) ? b.AsSpan(prefixLen) : b.AsSpan();
            int len = a.Length + bPart.Length;
            if (mergeBuf.Length < len) mergeBuf = new char[len * 2];
            var buf = mergeBuf.AsSpan(0, len);
            a.AsSpan().CopyTo(buf);
            bPart.CopyTo(buf[a.Length..]);
            if (!_vocabSpan.TryGetValue(buf, out int newId)) throw Json.Bad($"merge {rank + 1} (\"{a} {b}\"): merged token \"{buf.ToString()}\" is not in the vocabulary");
            _mergeMap.Set(Key(aId, bId), rank, newId);
        }
        Array.Fill(_charIds, -1);
        foreach (var (k, v) in _vocab) if (k.Length == 1) _charIds[k[0]] = v;
        bool all = true;
        for (int i = 0; i < 256; i++)
        {
            _byteIds[i] = _vocab.TryGetValue($"<0x{i:X2}>", out int id) ? id : -1;
            if (_byteIds[i] < 0) all = false;
        }
        _allBytes = all;
        _cacheSpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        bool split = !ignoreMerges && continuingSubwordPrefix == null && endOfWordSuffix == null && _charIds[Meta] >= 0;
        if (split)
            foreach (var (_, b) in _merges)
                if (b.Length > 0 && b[0] == Meta) { split = false; break; }
        SplitsAtMeta = split;
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Pair (left id &lt;&lt; 32 | right id) → (rank, new id): open addressing, linear probing, a later
    /// duplicate pair overwrites an earlier one (as HF's map does). Keys are never negative: -1 marks a free slot.</summary>
    private sealed class MergeTable
    {
        private struct Entry
        {
            public long Key;
            public int Rank, NewId;
        }

        private readonly Entry[] _entries;
        private readonly int _shift;

        public MergeTable(int count)
        {
            int bits = 4;
            while ((1 << bits) < count * 2) bits++;
            _entries = new Entry[1 << bits];
            for (int i = 0; i < _entries.Length; i++) _entries[i].Key = -1;
            _shift = 64 - bits;
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private int Slot(long key) => (int)((ulong)(key * -7046029254386353131L) >> _shift);

        public void Set(long key, int rank, int newId)
        {
            int mask = _entries.Length - 1;
            for (int i = Slot(key); ; i = (i + 1) & mask)
            {
                ref var e = ref _entries[i];
                if (e.Key == key || e.Key == -1)
                {
                    e.Key = key;
                    e.Rank = rank;
                    e.NewId = newId;
                    return;
                }
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public bool TryGetValue(long key, out (int Rank, int NewId) value)
        {
            var entries = _entries;
            int mask = entries.Length - 1;
            for (int i = Slot(key); ; i = (i + 1) & mask)
            {
                ref var e = ref entries[i];
                if (e.Key == key)
                {
                    value = (e.Rank, e.NewId);
                    return true;
                }
                if (e.Key == -1)
                {
                    value = default;
                    return false;
                }
            }
        }
    }

    public int VocabSize => _vocab.Count;
    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;
    public string? IdToToken(int id) => _vocabR.TryGetValue(id, out var t) ? t : null;
    public IReadOnlyDictionary<string, int> GetVocab() => new Dictionary<string, int>(_vocab, StringComparer.Ordinal);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Tokenize(string piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (IgnoreMerges && _vocab.TryGetValue(piece, out int whole))
        {
            ids.Add(whole);
            return;
        }
        if (SplitsAtMeta)
        {
            var span = piece.AsSpan();
            int start = 0;
            while (start < span.Length)
            {
                int next = span.Slice(start + 1).IndexOf(Meta);
                int end = next < 0 ? span.Length : start + 1 + next;
                TokenizeWord(span.Slice(start, end - start), start == 0 && end == span.Length ? piece : null, ids);
                start = end;
            }
            return;
        }
        TokenizeWord(piece, piece, ids);
    }

    /// <summary>Cached merge of one word; <paramref name="str"/> is the word as a string when the caller has it.</summary>
    private void TokenizeWord(ReadOnlySpan<char> word, string? str, List<int> ids)
    {
        if (_cacheSpan.TryGetValue(word, out var hit))
        {
            ids.AddRange(hit);
            return;
        }
        var result = MergeWord(word);
        if (word.Length < MaxCachedLength)
        {
            // ConcurrentDictionary.Count takes every lock: keep our own approximate count.
            if (Interlocked.Increment(ref _cacheCount) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheCount, 0);
            }
            _cache[str ?? word.ToString()] = result;
        }
        ids.AddRange(result);
    }

    private struct Symbol
    {
        public int C, Prev, Next, Len;
    }

    [ThreadStatic] private static Symbol[]? _symbolsBuf;
    [ThreadStatic] private static PriorityQueue<(int Pos, int NewId), long>? _queueBuf;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int[] MergeWord(ReadOnlySpan<char> w)
    {
        var symbols = _symbolsBuf;
        if (symbols == null || symbols.Length < w.Length * 4 + 4) _symbolsBuf = symbols = new Symbol[Math.Max(64, w.Length * 4 + 4)];
        int count = 0;
        int unkId = -1, unkLen = 0;
        bool hasUnk = false;
        bool affixes = ContinuingSubwordPrefix != null || EndOfWordSuffix != null;
        for (int i = 0; i < w.Length;)
        {
            int cpLen = char.IsHighSurrogate(w[i]) && i + 1 < w.Length && char.IsLowSurrogate(w[i + 1]) ? 2 : 1;
            bool isFirst = i == 0, isLast = i + cpLen >= w.Length;
            var chunk = w.Slice(i, cpLen);
            i += cpLen;
            int id;
            bool found;
            string? s = null;
            if (!affixes)
            {
                if (cpLen == 1) { id = _charIds[chunk[0]]; found = id >= 0; }
                else found = _vocabSpan.TryGetValue(chunk, out id);
            }
            else
            {
                s = chunk.ToString();
                if (!isFirst && ContinuingSubwordPrefix != null) s = ContinuingSubwordPrefix + s;
                if (isLast && EndOfWordSuffix != null) s += EndOfWordSuffix;
                found = _vocab.TryGetValue(s, out id);
            }
            int byteLen = cpLen == 2 ? 4 : chunk[0] < 0x80 ? 1 : chunk[0] < 0x800 ? 2 : 3; // UTF-8 length (a lone surrogate encodes as U+FFFD)

            if (found)
            {
                if (hasUnk) { Add(symbols, ref count, unkId, unkLen); hasUnk = false; }
                Add(symbols, ref count, id, byteLen);
                continue;
            }
            if (ByteFallback)
            {
                s ??= chunk.ToString();
                var bytes = Encoding.UTF8.GetBytes(s);
                bool ok = true;
                if (!_allBytes)
                    foreach (byte b in bytes) if (_byteIds[b] < 0) { ok = false; break; }
                if (ok)
                {
                    if (count + bytes.Length > symbols.Length) Array.Resize(ref symbols, (count + bytes.Length) * 2);
                    foreach (byte b in bytes) Add(symbols, ref count, _byteIds[b], 1);
                    _symbolsBuf = symbols;
                    continue;
                }
            }
            if (UnkToken != null)
            {
                if (!_vocab.TryGetValue(UnkToken, out int u)) throw new InvalidOperationException($"unk token \"{UnkToken}\" is not in the vocabulary");
                if (hasUnk && FuseUnk) unkLen += byteLen;
                else
                {
                    if (hasUnk) Add(symbols, ref count, unkId, unkLen);
                    unkId = u;
                    unkLen = byteLen;
                    hasUnk = true;
                }
            }
        }
        if (hasUnk) Add(symbols, ref count, unkId, unkLen);
        if (count <= ScanLimit) return MergeByScan(symbols, count);
        var sym = symbols.AsSpan(0, count);
        MergeAll(sym);
        int n = 0;
        foreach (ref var x in sym) if (x.Len != 0) n++;
        var result = new int[n];
        n = 0;
        foreach (ref var x in sym) if (x.Len != 0) result[n++] = x.C;
        return result;
    }

    private static void Add(Symbol[] symbols, ref int count, int c, int byteLen)
    {
        int prev = -1;
        if (count > 0)
        {
            symbols[count - 1].Next = count;
            prev = count - 1;
        }
        symbols[count++] = new Symbol { C = c, Prev = prev, Next = -1, Len = byteLen };
    }

    private const int ScanLimit = 96;

    /// <summary>
    /// Same result as <see cref="MergeAll"/> for short words, without a queue: repeatedly merge the adjacent pair
    /// with the lowest (rank, position). Equivalent because a queue entry that passes HF's staleness check
    /// (same resulting token at the same position) must be the current pair itself: symbols only grow, so the
    /// same span starting at the same position is the same pair.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int[] MergeByScan(Symbol[] symbols, int n)
    {
        Span<int> ids = stackalloc int[n];
        Span<int> rank = stackalloc int[n];
        Span<int> newId = stackalloc int[n];
        for (int i = 0; i < n; i++) ids[i] = symbols[i].C;
        for (int i = 0; i + 1 < n; i++) Lookup(ids[i], ids[i + 1], out rank[i], out newId[i]);
        while (n > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < n; i++)
                if (rank[i] < bestRank) { bestRank = rank[i]; best = i; }
            if (best < 0) break;
            ids[best] = newId[best];
            int tail = n - best - 2;
            if (tail > 0)
            {
                ids.Slice(best + 2, tail).CopyTo(ids.Slice(best + 1));
                rank.Slice(best + 2, tail).CopyTo(rank.Slice(best + 1));
                newId.Slice(best + 2, tail).CopyTo(newId.Slice(best + 1));
            }
            n--;
            if (best + 1 < n) Lookup(ids[best], ids[best + 1], out rank[best], out newId[best]);
            else rank[best] = int.MaxValue;
            if (best > 0) Lookup(ids[best - 1], ids[best], out rank[best - 1], out newId[best - 1]);
        }
        return ids[..n].ToArray();
    }

    private void Lookup(int a, int b, out int rank, out int newId)
    {
        if (_mergeMap.TryGetValue(Key(a, b), out var m)) { rank = m.Rank; newId = m.NewId; }
        else { rank = int.MaxValue; newId = -1; }
    }

    /// <summary>HF's <c>Word::merge_all</c>: a min-queue of (rank, position) with stale-entry checks.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void MergeAll(Span<Symbol> sym)
    {
        if (sym.Length < 2) return;
        var queue = _queueBuf ??= new PriorityQueue<(int Pos, int NewId), long>();
        queue.Clear();
        for (int i = 0; i + 1 < sym.Length; i++)
            if (_mergeMap.TryGetValue(Key(sym[i].C, sym[i + 1].C), out var m))
                queue.Enqueue((i, m.NewId), ((long)m.Rank << 32) | (uint)i);
        while (queue.TryDequeue(out var top, out _))
        {
            int pos = top.Pos;
            if (sym[pos].Len == 0) continue;
            if (sym[pos].Next == -1) continue;
            int nextPos = sym[pos].Next;
            var right = sym[nextPos];
            if (!_mergeMap.TryGetValue(Key(sym[pos].C, right.C), out var cur) || cur.NewId != top.NewId) continue;
            sym[pos].C = top.NewId;
            sym[pos].Len += right.Len;
            sym[pos].Next = right.Next;
            sym[nextPos].Len = 0;
            if (right.Next > -1 && right.Next < sym.Length) sym[right.Next].Prev = pos;
            var current = sym[pos];
            if (current.Prev >= 0)
            {
                int prev = current.Prev;
                if (_mergeMap.TryGetValue(Key(sym[prev].C, current.C), out var pm))
                    queue.Enqueue((prev, pm.NewId), ((long)pm.Rank << 32) | (uint)prev);
            }
            int next = current.Next;
            if (next >= 0 && next < sym.Length)
            {
                if (_mergeMap.TryGetValue(Key(current.C, sym[next].C), out var nm))
                    queue.Enqueue((pos, nm.NewId), ((long)nm.Rank << 32) | (uint)pos);
            }
        }
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        if (UnkToken != null) w.WriteString("unk_token", UnkToken); else w.WriteNull("unk_token");
        if (ContinuingSubwordPrefix != null) w.WriteString("continuing_subword_prefix", ContinuingSubwordPrefix); else w.WriteNull("continuing_subword_prefix");
        if (EndOfWordSuffix != null) w.WriteString("end_of_word_suffix", EndOfWordSuffix); else w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", FuseUnk);
        w.WriteBoolean("byte_fallback", ByteFallback);
        w.WriteBoolean("ignore_merges", IgnoreMerges);
        w.WriteStartObject("vocab");
        var byId = new List<KeyValuePair<string, int>>(_vocab);
        byId.Sort((x, y) => x.Value.CompareTo(y.Value));
        foreach (var (k, v) in byId) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (a, b) in _merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(a);
            w.WriteStringValue(b);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static Bpe FromJson(JsonElement e)
    {
        if (Json.Has(e, "dropout", out var d) && !(d.ValueKind == JsonValueKind.Number && d.GetDouble() == 0.0))
            throw Json.Bad("BPE dropout is not supported (must be null)");
        if (!Json.Has(e, "vocab", out var vocabEl) || vocabEl.ValueKind != JsonValueKind.Object)
            throw Json.Bad("BPE model: \"vocab\" must be an object");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        vocab.EnsureCapacity(vocabEl.GetPropertyCount());
        foreach (var p in vocabEl.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                throw Json.Bad($"BPE vocab: id of \"{p.Name}\" must be a non-negative integer");
            vocab[p.Name] = id;
        }
        var merges = new List<(string, string)>();
        if (Json.Has(e, "merges", out var mergesEl))
        {
            if (mergesEl.ValueKind != JsonValueKind.Array) throw Json.Bad("BPE model: \"merges\" must be an array");
            merges.Capacity = mergesEl.GetArrayLength();
            int i = 0;
            foreach (var m in mergesEl.EnumerateArray())
            {
                i++;
                if (m.ValueKind == JsonValueKind.String)
                {
                    var s = m.GetString()!;
                    int sp = s.IndexOf(' ');
                    if (sp < 0 || s.IndexOf(' ', sp + 1) >= 0) throw Json.Bad($"BPE merge {i} (\"{s}\") must be two tokens separated by one space");
                    merges.Add((s[..sp], s[(sp + 1)..]));
                }
                else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 &&
                         m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                    merges.Add((m[0].GetString()!, m[1].GetString()!));
                else throw Json.Bad($"BPE merge {i} must be \"a b\" or [\"a\", \"b\"]");
            }
        }
        return new Bpe(vocab, merges, Json.Str(e, "unk_token"), Json.Str(e, "continuing_subword_prefix"),
            Json.Str(e, "end_of_word_suffix"), Json.Bool(e, "fuse_unk", false), Json.Bool(e, "byte_fallback", false),
            Json.Bool(e, "ignore_merges", false), takeOwnership: true);
    }
}
