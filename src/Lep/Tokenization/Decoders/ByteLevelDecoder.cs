using System.Text;
using System.Text.Json;

namespace Lep.Tokenization.Decoders;

/// <summary>Maps byte-level characters back to bytes (tokens with other characters keep their UTF-8) and
/// decodes lossily (invalid UTF-8 → U+FFFD).</summary>
internal sealed class ByteLevelDecoder(bool addPrefixSpace, bool trimOffsets, bool useRegex) : IDecoder
{
    public bool AddPrefixSpace { get; } = addPrefixSpace;
    public bool TrimOffsets { get; } = trimOffsets;
    public bool UseRegex { get; } = useRegex;

    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var t in tokens)
        {
            bool all = true;
            foreach (char c in t) if (ByteLevel.ByteOf(c) < 0) { all = false; break; }
            if (all) foreach (char c in t) bytes.Add((byte)ByteLevel.ByteOf(c));
            else bytes.AddRange(Encoding.UTF8.GetBytes(t));
        }
        return [Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))];
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
