using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

internal static class PreTokenizerJson
{
    public static IPreTokenizer? Read(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        string type = Json.TypeOf(e, "pre_tokenizer");
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelPreTokenizer(Json.Bool(e, "add_prefix_space", true), Json.Bool(e, "trim_offsets", true), Json.Bool(e, "use_regex", true));
            case "Split":
                if (!Json.Has(e, "pattern", out var p)) throw Json.Bad("Split pre-tokenizer: missing \"pattern\"");
                return new SplitPreTokenizer(Pattern.FromJson(p, "Split pre-tokenizer"),
                    Splitting.ParseBehavior(Json.ReqStr(e, "behavior", "Split pre-tokenizer")), Json.Bool(e, "invert", false));
            case "Metaspace":
                return new Metaspace(Metaspace.ReadReplacement(e), Metaspace.ReadScheme(e), Json.Bool(e, "split", true));
            case "Digits": return new Digits(Json.Bool(e, "individual_digits", false));
            case "Whitespace": return new Whitespace();
            case "WhitespaceSplit": return new WhitespaceSplit();
            case "Punctuation": return new Punctuation(Splitting.ParseBehavior(Json.Str(e, "behavior") ?? "Isolated"));
            case "Sequence":
                if (!Json.Has(e, "pretokenizers", out var arr) || arr.ValueKind != JsonValueKind.Array)
                    throw Json.Bad("Sequence pre-tokenizer: missing \"pretokenizers\" array");
                var list = new List<IPreTokenizer>();
                foreach (var x in arr.EnumerateArray()) list.Add(Read(x) ?? throw Json.Bad("Sequence pre-tokenizer: null entry"));
                return new PreTokenizerSequence(list);
            default:
                throw Json.Bad($"unknown pre-tokenizer type \"{type}\"");
        }
    }
}
