using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

/// <summary>GPT-2 byte-level pre-tokenizer: optional prefix space, optional GPT-2 regex split, then every UTF-8
/// byte mapped to its printable stand-in character.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool trimOffsets, bool useRegex) : IPreTokenizer
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    private static readonly Lazy<Pattern> Gpt2 = new(() => new Pattern(Gpt2Pattern, true));

    public bool AddPrefixSpace { get; } = addPrefixSpace;
    public bool TrimOffsets { get; } = trimOffsets;
    public bool UseRegex { get; } = useRegex;

    public void Split(string text, bool atStart, List<Split> output)
    {
        if (AddPrefixSpace && !text.StartsWith(' ')) text = " " + text;
        if (!UseRegex)
        {
            if (text.Length > 0) output.Add(new Split(ByteLevel.Encode(text), atStart));
            return;
        }
        var matches = new List<(int, int)>();
        Gpt2.Value.FindMatches(text, matches);
        int from = output.Count;
        Splitting.Apply(text, atStart, matches, false, SplitBehavior.Isolated, output);
        for (int i = from; i < output.Count; i++) output[i] = output[i] with { Text = ByteLevel.Encode(output[i].Text) };
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", AddPrefixSpace);
        w.WriteBoolean("trim_offsets", TrimOffsets);
        w.WriteBoolean("use_regex", UseRegex);
        w.WriteEndObject();
    }
}
