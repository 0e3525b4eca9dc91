using Lep.Tokenization.Decoders;
using Lep.Tokenization.Models;
using Lep.Tokenization.PostProcessors;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tokenization;

/// <summary>Reads tiktoken rank files (<c>base64-token rank</c> per line) into a byte-level BPE tokenizer.</summary>
internal static class Tiktoken
{
    /// <summary>The Llama-3 / GPT-4 style split pattern, as in Llama-3's tokenizer.json.</summary>
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Loads a rank file. Merges are derived as HF's converter does: for every token of two or more bytes, every
    /// split into two known parts, ordered by the token's rank then the parts' ranks. The pipeline is
    /// Split(pattern, Isolated) → ByteLevel (no prefix space, no regex) → BPE (ignore_merges) → ByteLevel decoder.
    /// </summary>
    /// <param name="specialTokens">special token → id (e.g. Llama-3's 128000…128255)</param>
    public static Tokenizer Load(string rankFile, string splitPattern, IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        if (!File.Exists(rankFile)) throw new LepInputException(rankFile, "tiktoken rank file not found");
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal); // byte-level string → rank
        var byRank = new List<(byte[] Bytes, int Rank)>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(rankFile))
        {
            lineNo++;
            if (line.Length == 0) continue;
            int sp = line.IndexOf(' ');
            if (sp <= 0) throw new LepInputException(rankFile, $"line {lineNo}: expected \"<base64> <rank>\"");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(line[..sp]);
            }
            catch (FormatException)
            {
                throw new LepInputException(rankFile, $"line {lineNo}: invalid base64");
            }
            if (!int.TryParse(line.AsSpan(sp + 1), out int rank) || rank < 0)
                throw new LepInputException(rankFile, $"line {lineNo}: invalid rank");
            string tok = ToByteLevel(bytes);
            if (!ranks.TryAdd(tok, rank)) throw new LepInputException(rankFile, $"line {lineNo}: duplicate token");
            byRank.Add((bytes, rank));
        }
        byRank.Sort((a, b) => a.Rank.CompareTo(b.Rank));
        var merges = new List<(string, string, int, int, int)>();
        foreach (var (bytes, rank) in byRank)
        {
            if (bytes.Length < 2) continue;
            string full = ToByteLevel(bytes);
            for (int i = 1; i < full.Length; i++)
            {
                string l = full[..i], r = full[i..];
                if (ranks.TryGetValue(l, out int rl) && ranks.TryGetValue(r, out int rr))
                    merges.Add((l, r, rank, rl, rr));
            }
        }
        merges.Sort((a, b) => a.Item3 != b.Item3 ? a.Item3.CompareTo(b.Item3) : a.Item4 != b.Item4 ? a.Item4.CompareTo(b.Item4) : a.Item5.CompareTo(b.Item5));
        var mergeList = new List<(string, string)>(merges.Count);
        foreach (var m in merges) mergeList.Add((m.Item1, m.Item2));

        var bpe = new Bpe(ranks, mergeList, ignoreMerges: true);
        var pre = new PreTokenizerSequence([
            new SplitPreTokenizer(new Pattern(splitPattern, true), SplitBehavior.Isolated, false),
            new ByteLevelPreTokenizer(false, true, false),
        ]);
        var added = new List<AddedToken>();
        if (specialTokens != null)
        {
            var sorted = specialTokens.OrderBy(kv => kv.Value).ToList();
            int next = ranks.Count;
            foreach (var (content, id) in sorted)
            {
                if (id != next) throw new LepInputException(rankFile, $"special token \"{content}\" must have id {next} (ids follow the ranks without gaps)");
                next++;
                added.Add(new AddedToken(content, true, Normalized: false));
            }
        }
        return new Tokenizer(bpe, null, pre, new ByteLevelProcessor(true, false, true), new ByteLevelDecoder(true, true, true), added);
    }

    private static string ToByteLevel(byte[] bytes) => string.Create(bytes.Length, bytes, static (span, b) =>
    {
        for (int i = 0; i < b.Length; i++) span[i] = ByteLevel.CharOf(b[i]);
    });
}
