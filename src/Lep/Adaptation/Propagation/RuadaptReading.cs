using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Tokenization;

namespace Lep.Adaptation.Propagation;

/// <summary>
/// The reference implementation's reading of LEP (RefalMachine/ruadapt, <c>ushanka</c>), for <c>--compat ruadapt</c>:
/// which rows enter the fit and which output rows come from the instruct model. It differs from ours on purpose:
/// a new token's old pieces come from encoding its vocabulary *spelling* (<c>Ġthe</c>, a literal <c>▁</c>,
/// <c>&lt;0xD0&gt;</c>) as text after the sentinel 家, unknown pieces included; pieces are averaged plainly; the
/// special tokens named in the tokenizer config map by their spelling in the old vocabulary or are left out; every
/// other added token is encoded like a word; overlap matches decoded strings; and the instruct model's tokenizer is
/// the old one. The arithmetic in the model's dtype (rows and P rounded to it) is applied by <see cref="Propagator"/>.
/// </summary>
internal static class RuadaptReading
{
    /// <summary>The sentinel the reference encodes in front of a spelling; its ids are dropped by count.</summary>
    public const string Sentinel = "家";

    private static readonly string[] SpecialRoles = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

    /// <summary>The fit rows of <paramref name="mode"/>: the converted old rows over the donor's vocabulary
    /// (conversion, sum, cooccurrence), the instruct vocabulary converted into itself (bypass), or the old tokens whose
    /// decoded string some donor token also decodes to (overlap).</summary>
    public static List<(int[] Ids, double[] Weights)> FitRows(PropagationMode mode, ModelInput instruct, ModelInput donor,
        DType weightType, Func<Cooccurrence> cooccurrence, List<string> warnings) => mode switch
        {
            PropagationMode.Overlap => UnionIds(instruct.Tokenizer, donor.Tokenizer).Select(id => (new[] { id }, new[] { 1.0 })).ToList(),
            PropagationMode.Conversion => Converted(instruct.Tokenizer, donor.Tokenizer, SpecialIds(donor.Directory, donor.Tokenizer), Aggregation.Mean, null, weightType,
                warnings),
            PropagationMode.Sum => Converted(instruct.Tokenizer, donor.Tokenizer, SpecialIds(donor.Directory, donor.Tokenizer), Aggregation.Sum, null, weightType, warnings),
            PropagationMode.Cooccurrence => Converted(instruct.Tokenizer, donor.Tokenizer, SpecialIds(donor.Directory, donor.Tokenizer), Aggregation.Cooccurrence, cooccurrence(),
                weightType, warnings),
            PropagationMode.Bypass => Converted(instruct.Tokenizer, instruct.Tokenizer, SpecialIds(instruct.Directory, instruct.Tokenizer), Aggregation.Mean, null, weightType,
                warnings),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "no fit rows"),
        };

    private enum Aggregation { Mean, Sum, Cooccurrence }

    /// <summary>The old pieces of a spelling: the ids of sentinel + spelling minus as many leading ids as the sentinel
    /// alone has (no check that they are the sentinel's), unknown pieces kept.</summary>
    public static int[] SpellingPieces(Tokenizer old, string spelling)
    {
        int shift = old.Encode(Sentinel, addSpecialTokens: false).Length;
        int[] all = old.Encode(Sentinel + spelling, addSpecialTokens: false);
        return all.Length > shift ? all[shift..] : [];
    }

    /// <summary>A token's string as the tokenizer's decoder renders it alone (HF convert_tokens_to_string).</summary>
    public static string Decoded(Tokenizer t, string token) => t.Decoder is null ? token : string.Concat(t.Decoder.DecodeChain([token]));

    /// <summary>Ids of the tokens a tokenizer config names as special (HF all_special_ids): bos/eos/unk/sep/pad/cls/mask
    /// and additional_special_tokens, from tokenizer_config.json and special_tokens_map.json.</summary>
    public static HashSet<int> SpecialIds(string dir, Tokenizer tokenizer)
    {
        var ids = new HashSet<int>();
        foreach (string file in new[] { "tokenizer_config.json", "special_tokens_map.json" })
        {
            string path = Path.Combine(dir, file);
            if (!File.Exists(path)) continue;
            var cfg = JsonFile.ReadObject(path);
            var named = SpecialRoles.Select(r => cfg[r])
                .Concat(cfg["additional_special_tokens"] is System.Text.Json.Nodes.JsonArray extra ? extra : []);
            foreach (var node in named)
            {
                string? content = node switch
                {
                    System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out string? s) => s,
                    System.Text.Json.Nodes.JsonObject o => o.GetString("content"),
                    _ => null,
                };
                if (content is not null && tokenizer.TokenToId(content) is int id) ids.Add(id);
            }
        }
        return ids;
    }

    /// <summary>The reference's conversion row of new token <paramref name="id"/> (plain mean of its spelling's old
    /// pieces, or their sum), or null where the reference leaves it out (a special token the old vocabulary lacks, a
    /// spelling with no piece — on which the reference would fail).</summary>
    public static (int[] Ids, double[] Weights)? ConversionRow(Tokenizer old, Tokenizer @new, HashSet<int> special, int id, bool sum = false)
    {
        if (@new.IdToToken(id) is not string token) return null;
        if (special.Contains(id)) return old.TokenToId(token) is int oldId ? ([oldId], [1.0]) : null;
        int[] pieces = SpellingPieces(old, token);
        if (pieces.Length == 0) return null;
        double w = pieces.Length == 1 || sum ? 1.0 : 1.0 / pieces.Length;
        return (pieces, pieces.Select(_ => w).ToArray());
    }

    private static List<(int[], double[])> Converted(Tokenizer old, Tokenizer @new, HashSet<int> special, Aggregation aggregation,
        Cooccurrence? counts, DType weightType, List<string> warnings)
    {
        var rows = new List<(int[], double[])>();
        int left = 0;
        for (int id = 0; id < @new.VocabSize; id++)
        {
            if (aggregation == Aggregation.Cooccurrence && !special.Contains(id) && counts!.Counts.TryGetValue(id, out var seen) && seen.Count > 0)
            {
                // probabilities in the model's dtype, as the reference builds them
                double total = seen.Values.Sum();
                var ordered = seen.OrderBy(kv => kv.Key).ToArray();
                rows.Add((ordered.Select(kv => kv.Key).ToArray(), ordered.Select(kv => StorageRounding.Round(kv.Value / total, weightType)).ToArray()));
                continue;
            }
            if (ConversionRow(old, @new, special, id, aggregation == Aggregation.Sum) is { } row) rows.Add(row);
            else if (@new.IdToToken(id) is not null) left++;
        }
        if (left > 0) warnings.Add($"ruadapt: {left} tokens left out of the fit as the reference leaves them out (special tokens the old vocabulary lacks, spellings that encode " +
            $"to nothing)");
        return rows;
    }

    /// <summary>Old token ids (added ones included) whose decoded string some new token also decodes to; when several
    /// old tokens decode alike the lowest id stands for them (the reference keeps whichever its hash map yields last).</summary>
    public static int[] UnionIds(Tokenizer old, Tokenizer @new)
    {
        var newKeys = new HashSet<string>(@new.GetVocab().Keys.Select(t => Decoded(@new, t)), StringComparer.Ordinal);
        var oldKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in old.GetVocab().OrderBy(kv => kv.Value)) oldKeys.TryAdd(Decoded(old, token), id);
        return oldKeys.Where(kv => newKeys.Contains(kv.Key)).Select(kv => kv.Value).Order().ToArray();
    }

    /// <summary>The reference's added-token rule: every added token of the donor that the instruct tokenizer encodes to
    /// exactly one id takes that id's instruct row (on top of the instruct model's own added tokens). Returns how many
    /// rows this adds to the default overrides.</summary>
    public static int AddInstructRows(OutputVocabulary plan, Tokenizer donor, Tokenizer instruct)
    {
        int added = 0;
        foreach (var (id, token) in donor.AddedTokens.Tokens)
        {
            if (plan.Overrides.ContainsKey(id)) continue;
            int[] ids = instruct.Encode(token.Content, addSpecialTokens: false);
            if (ids.Length != 1) continue;
            plan.Overrides[id] = ids[0];
            added++;
        }
        return added;
    }
}

/// <summary>Rounding to a storage dtype: what a value becomes when a model in that dtype computes it.</summary>
internal static class StorageRounding
{
    public static double Round(double x, DType dtype) => dtype switch
    {
        DType.BF16 => BitConverter.UInt32BitsToSingle((uint)MatrixRows.ToBFloat16((float)x) << 16),
        DType.F16 => (double)(Half)x,
        DType.F32 => (float)x,
        _ => x,
    };
}
