using Lep.Tokenization.Normalizers;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tokenization;

/// <summary>
/// Added and special tokens with HF's id assignment and its text splitting: leftmost-longest matching of the
/// non-normalized tokens on the raw text, then of the normalized tokens on each normalized remaining piece;
/// single_word / lstrip / rstrip as in HF's <c>find_matches</c>.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<string, int> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AddedToken> _mapR = new();
    private readonly HashSet<string> _special = new(StringComparer.Ordinal);
    private readonly List<AddedToken> _specialList = new();
    private readonly List<AddedToken> _classicList = new();
    private int _maxMapped = int.MinValue;
    private Trie _rawTrie = new();
    private Trie _normTrie = new();

    /// <summary>All added tokens with their ids, ascending by id.</summary>
    public IReadOnlyList<(int Id, AddedToken Token)> Tokens
    {
        get
        {
            var l = new List<(int, AddedToken)>();
            foreach (var (id, t) in _mapR) l.Add((id, t));
            l.Sort((a, b) => a.Item1.CompareTo(b.Item1));
            return l;
        }
    }

    public int Count => _map.Count;
    public int? TokenToId(string content) => _map.TryGetValue(content, out int id) ? id : null;
    public AddedToken? ById(int id) => _mapR.TryGetValue(id, out var t) ? t : null;
    public bool IsSpecial(string content) => _special.Contains(content);
    public int MaxId { get { int m = -1; foreach (var k in _mapR.Keys) if (k > m) m = k; return m; } }

    /// <summary>HF <c>add_tokens</c>: ids come from the model vocabulary when the content is there, otherwise
    /// after max(model vocab size, largest added id + 1).</summary>
    internal void Add(IEnumerable<AddedToken> tokens, Models.IModel model, INormalizer? normalizer)
    {
        var list = tokens.ToList();
        foreach (var t in list)
            if (t.Special && t.Content.Length > 0 && _special.Add(t.Content)) _specialList.Add(t);
        foreach (var t in list)
        {
            if (t.Content.Length == 0) continue;
            if (_map.TryGetValue(t.Content, out int seen) && _mapR.TryGetValue(seen, out var prevTok) && prevTok == t) continue;
            int newId;
            if (_map.TryGetValue(t.Content, out int existing)) newId = existing;
            else if (model.TokenToId(t.Content) is int mid) newId = mid;
            else
            {
                int vs = model.VocabSize;
                if (_map.Count == 0) newId = vs;
                else newId = _maxMapped >= vs || vs == 0 ? _maxMapped + 1 : vs;
            }
            _map[t.Content] = newId;
            _mapR[newId] = t;
            if (newId > _maxMapped) _maxMapped = newId;
            if (!_special.Contains(t.Content)) _classicList.Add(t);
        }
        Refresh(model, normalizer);
    }

    private void Refresh(Models.IModel model, INormalizer? normalizer)
    {
        _rawTrie = new Trie();
        _normTrie = new Trie();
        // special tokens first then classic ones, as HF refreshes (on identical contents the first one wins)
        foreach (var t in _specialList.Concat(_classicList))
        {
            int id = _map.TryGetValue(t.Content, out int i) ? i : model.TokenToId(t.Content) ?? throw new InvalidOperationException("missing added token");
            var tok = _mapR[id];
            if (tok.IsNormalized)
            {
                string content = normalizer != null ? normalizer.Normalize(t.Content) : t.Content;
                _normTrie.Add(content, id);
            }
            else _rawTrie.Add(t.Content, id);
        }
    }

    /// <summary>HF <c>extract_and_normalize</c>.</summary>
    internal List<Split> ExtractAndNormalize(INormalizer? normalizer, string text)
    {
        var first = new List<Split>();
        FindMatches(text, _rawTrie, first);
        var result = new List<Split>(first.Count);
        foreach (var s in first)
        {
            if (s.IsToken) { result.Add(s); continue; }
            string n = normalizer != null ? normalizer.Normalize(s.Text) : s.Text;
            if (n.Length == 0) continue;
            int before = result.Count;
            FindMatches(n, _normTrie, result);
            if (!s.AtStart || (normalizer != null && !normalizer.KeepsStart(s.Text)))
                for (int i = before; i < result.Count; i++)
                    if (result[i].AtStart) result[i] = result[i] with { AtStart = false };
        }
        return result;
    }

    private void FindMatches(string sentence, Trie trie, List<Split> output)
    {
        if (sentence.Length == 0) return;
        if (trie.IsEmpty)
        {
            output.Add(new Split(sentence, true));
            return;
        }
        int startOffset = 0;
        int pos = 0;
        while (pos < sentence.Length)
        {
            if (!trie.LongestAt(sentence, pos, out int len, out int id)) { pos++; continue; }
            int start = pos, stop = pos + len;
            pos = stop; // the matcher resumes after the match (not after stripped spaces)
            var tok = _mapR[id];
            if (tok.SingleWord)
            {
                bool startSpace = start == 0 || !EndsWithWord(sentence, start);
                bool stopSpace = stop == sentence.Length || !StartsWithWord(sentence, stop);
                if (!stopSpace || !startSpace) continue;
            }
            if (tok.LStrip)
            {
                int newStart = start;
                while (newStart > 0)
                {
                    int c = UnicodeProps.CodePointBefore(sentence, newStart, out int l);
                    if (!UnicodeProps.IsWhitespace(c)) break;
                    newStart -= l;
                }
                start = Math.Max(newStart, startOffset);
            }
            if (tok.RStrip)
            {
                while (stop < sentence.Length)
                {
                    int c = UnicodeProps.CodePointAt(sentence, stop, out int l);
                    if (!UnicodeProps.IsWhitespace(c)) break;
                    stop += l;
                }
            }
            if (startOffset < start) output.Add(new Split(sentence.Substring(startOffset, start - startOffset), startOffset == 0));
            output.Add(new Split(sentence.Substring(start, stop - start), start == 0, id));
            startOffset = stop;
        }
        if (startOffset < sentence.Length) output.Add(new Split(sentence.Substring(startOffset), startOffset == 0));
    }

    private static bool EndsWithWord(string s, int end) => UnicodeProps.IsWordChar(UnicodeProps.CodePointBefore(s, end, out _));
    private static bool StartsWithWord(string s, int start) => UnicodeProps.IsWordChar(UnicodeProps.CodePointAt(s, start, out _));

    /// <summary>Character trie for leftmost-longest matching.</summary>
    private sealed class Trie
    {
        private sealed class Node
        {
            public Dictionary<char, Node>? Next;
            public int Id = -1;
        }

        private readonly Node _root = new();
        public bool IsEmpty { get; private set; } = true;

        public void Add(string s, int id)
        {
            if (s.Length == 0) return;
            var n = _root;
            foreach (char c in s)
            {
                n.Next ??= new Dictionary<char, Node>();
                if (!n.Next.TryGetValue(c, out var child)) n.Next[c] = child = new Node();
                n = child;
            }
            if (n.Id < 0) n.Id = id; // first pattern wins on identical contents
            IsEmpty = false;
        }

        public bool LongestAt(string s, int pos, out int len, out int id)
        {
            len = 0;
            id = -1;
            var n = _root;
            for (int i = pos; i < s.Length; i++)
            {
                if (n.Next == null || !n.Next.TryGetValue(s[i], out n)) break;
                if (n.Id >= 0) { len = i - pos + 1; id = n.Id; }
            }
            return id >= 0;
        }
    }
}
