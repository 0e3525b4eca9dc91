using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Lep.Tokenization.Models;

/// <summary>
/// Unigram language model with HF semantics: Viterbi over all vocabulary pieces (a trie over every piece,
/// control and byte pieces included), unknown characters scored <c>min_score − 10</c> and fused into one unk
/// piece, which becomes <c>&lt;0xNN&gt;</c> byte pieces under byte fallback (or <c>unk_id</c>).
/// </summary>
internal sealed class Unigram : IModel
{
    private const double UnkPenalty = 10.0;
    private const int CacheCapacity = 100_000;
    private const int MaxCachedLength = 256;

    private readonly List<(string Piece, double Score)> _vocab;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly TrieNode _root = new();
    private readonly double _minScore;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private int _cacheCount;

    public int? UnkId { get; }
    public bool ByteFallback { get; }
    public IReadOnlyList<(string Piece, double Score)> Pieces => _vocab;

    private sealed class TrieNode
    {
        public Dictionary<char, TrieNode>? Children;
        public int Id = -1;
    }

    public Unigram(IReadOnlyList<(string Piece, double Score)> vocab, int? unkId, bool byteFallback)
    {
        _vocab = new List<(string, double)>(vocab);
        _tokenToId = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        _minScore = double.MaxValue;
        for (int id = 0; id < vocab.Count; id++)
        {
            var (piece, score) = vocab[id];
            _tokenToId[piece] = id;
            if (score < _minScore) _minScore = score;
            var node = _root;
            foreach (char c in piece)
            {
                node.Children ??= new Dictionary<char, TrieNode>();
                if (!node.Children.TryGetValue(c, out var child)) node.Children[c] = child = new TrieNode();
                node = child;
            }
            node.Id = id; // later duplicates win, as in HF's token_to_ids map
        }
        if (unkId is int u && (u < 0 || u >= vocab.Count)) throw Json.Bad($"Unigram unk_id {u} is outside the vocabulary");
        UnkId = unkId;
        ByteFallback = byteFallback;
    }

    public int VocabSize => _vocab.Count;
    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out int id) ? id : null;
    public string? IdToToken(int id) => id >= 0 && id < _vocab.Count ? _vocab[id].Piece : null;
    public IReadOnlyDictionary<string, int> GetVocab() => new Dictionary<string, int>(_tokenToId, StringComparer.Ordinal);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Tokenize(string piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (_cache.TryGetValue(piece, out var hit)) { ids.AddRange(hit); return; }
        var result = Encode(piece);
        if (piece.Length < MaxCachedLength)
        {
            // ConcurrentDictionary.Count takes every lock: keep our own approximate count.
            if (Interlocked.Increment(ref _cacheCount) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheCount, 0);
            }
            _cache[piece] = result;
        }
        ids.AddRange(result);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int[] Encode(string s)
    {
        int size = s.Length;
        var score = new double[size + 1];
        var startsAt = new int[size + 1];
        var nodeId = new int[size + 1];
        Array.Fill(startsAt, -1);
        double unkScore = _minScore - UnkPenalty;
        int start = 0;
        while (start < size)
        {
            double till = score[start];
            bool hasSingle = false;
            int mblen = char.IsHighSurrogate(s[start]) && start + 1 < size && char.IsLowSurrogate(s[start + 1]) ? 2 : 1;
            var node = _root;
            for (int k = start; k < size; k++)
            {
                if (node.Children == null || !node.Children.TryGetValue(s[k], out node)) break;
                if (node.Id < 0) continue;
                int end = k + 1;
                double cand = _vocab[node.Id].Score + till;
                if (startsAt[end] < 0 || cand > score[end])
                {
                    score[end] = cand;
                    startsAt[end] = start;
                    nodeId[end] = _tokenToId[_vocab[node.Id].Piece];
                }
                if (!hasSingle && end - start == mblen) hasSingle = true;
            }
            if (!hasSingle)
            {
                int end = start + mblen;
                double cand = unkScore + till;
                if (startsAt[end] < 0 || cand > score[end])
                {
                    score[end] = cand;
                    startsAt[end] = start;
                    nodeId[end] = UnkId ?? throw new InvalidOperationException("Unigram model has no unk_id but met an unknown character");
                }
            }
            start += mblen;
        }

        // Backtrack; consecutive unk pieces are fused (HF's Unigram always has fuse_unk).
        var pieces = new List<(int Start, int End, bool Unk)>();
        int e2 = size;
        while (e2 > 0)
        {
            int s2 = startsAt[e2];
            bool unk = UnkId is int u && nodeId[e2] == u;
            if (unk && pieces.Count > 0 && pieces[^1].Unk) pieces[^1] = (s2, pieces[^1].End, true);
            else pieces.Add((s2, e2, unk));
            e2 = s2;
        }
        pieces.Reverse();

        var ids = new List<int>(pieces.Count);
        foreach (var (ps, pe, _) in pieces)
        {
            string str = s.Substring(ps, pe - ps);
            if (_tokenToId.TryGetValue(str, out int id)) { ids.Add(id); continue; }
            if (ByteFallback)
            {
                var bytes = Encoding.UTF8.GetBytes(str);
                var byteIds = new int[bytes.Length];
                bool ok = true;
                for (int i = 0; i < bytes.Length && ok; i++)
                    if (_tokenToId.TryGetValue($"<0x{bytes[i]:X2}>", out int bid)) byteIds[i] = bid; else ok = false;
                if (ok) { ids.AddRange(byteIds); continue; }
            }
            ids.Add(UnkId ?? throw new InvalidOperationException("Unigram model has no unk_id"));
        }
        return ids.ToArray();
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Unigram");
        if (UnkId is int u) w.WriteNumber("unk_id", u); else w.WriteNull("unk_id");
        w.WriteStartArray("vocab");
        foreach (var (p, s) in _vocab)
        {
            w.WriteStartArray();
            w.WriteStringValue(p);
            w.WriteNumberValue(s);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteBoolean("byte_fallback", ByteFallback);
        w.WriteEndObject();
    }

    internal static Unigram FromJson(JsonElement e)
    {
        if (!Json.Has(e, "vocab", out var v) || v.ValueKind != JsonValueKind.Array) throw Json.Bad("Unigram model: \"vocab\" must be an array");
        var vocab = new List<(string, double)>(v.GetArrayLength());
        int i = 0;
        foreach (var x in v.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Array || x.GetArrayLength() != 2 || x[0].ValueKind != JsonValueKind.String || x[1].ValueKind != JsonValueKind.Number)
                throw Json.Bad($"Unigram vocab entry {i} must be [\"piece\", score]");
            vocab.Add((x[0].GetString()!, x[1].GetDouble()));
            i++;
        }
        int? unk = Json.Has(e, "unk_id", out var u) ? (u.TryGetInt32(out int ui) ? ui : throw Json.Bad("Unigram unk_id must be an integer")) : null;
        return new Unigram(vocab, unk, Json.Bool(e, "byte_fallback", false));
    }
}
