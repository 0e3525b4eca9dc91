using System.Text;
using System.Text.Json;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tokenization.Decoders;

/// <summary>Metaspace decoder: the replacement character becomes a space; in the first token it is dropped
/// unless the prepend scheme is "never".</summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme prependScheme, bool split) : IDecoder
{
    public char Replacement { get; } = replacement;
    public PrependScheme PrependScheme { get; } = prependScheme;
    public bool Split { get; } = split;

    public List<string> DecodeChain(List<string> tokens)
    {
        var r = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var sb = new StringBuilder(tokens[i].Length);
            foreach (char c in tokens[i])
            {
                if (c == Replacement)
                {
                    if (i == 0 && PrependScheme != PrependScheme.Never) continue;
                    sb.Append(' ');
                }
                else sb.Append(c);
            }
            r.Add(sb.ToString());
        }
        return r;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Metaspace");
        w.WriteString("replacement", Replacement.ToString());
        w.WriteString("prepend_scheme", PrependScheme.ToString().ToLowerInvariant());
        w.WriteBoolean("split", Split);
        w.WriteEndObject();
    }
}

/// <summary>Replaces a pattern in every token.</summary>
internal sealed class ReplaceDecoder(Pattern pattern, string content) : IDecoder
{
    public Pattern Pattern { get; } = pattern;
    public string Content { get; } = content;

    public List<string> DecodeChain(List<string> tokens)
    {
        var r = new List<string>(tokens.Count);
        foreach (var t in tokens) r.Add(Pattern.Replace(t, Content));
        return r;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        Pattern.WriteJson(w, "pattern");
        w.WriteString("content", Content);
        w.WriteEndObject();
    }
}

/// <summary>Turns runs of <c>&lt;0xNN&gt;</c> tokens into text; invalid UTF-8 gives one U+FFFD per byte.</summary>
internal sealed class ByteFallbackDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var r = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var t in tokens)
        {
            if (TryByte(t, out byte b)) { pending.Add(b); continue; }
            Flush(pending, r);
            r.Add(t);
        }
        Flush(pending, r);
        return r;
    }

    private static readonly UTF8Encoding Strict = new(false, true);

    private static void Flush(List<byte> pending, List<string> r)
    {
        if (pending.Count == 0) return;
        try
        {
            r.Add(Strict.GetString(pending.ToArray()));
        }
        catch (DecoderFallbackException)
        {
            for (int i = 0; i < pending.Count; i++) r.Add("\uFFFD");
        }
        pending.Clear();
    }

    /// <summary>Rust: len == 6 bytes, starts with "&lt;0x", ends with '&gt;', <c>u8::from_str_radix(&amp;t[3..5], 16)</c>.</summary>
    private static bool TryByte(string t, out byte b)
    {
        b = 0;
        if (t.Length != 6 || !t.StartsWith("<0x", StringComparison.Ordinal) || t[5] != '>') return false;
        char c1 = t[3], c2 = t[4];
        if (c1 == '+')
        {
            if (!HexVal(c2, out int v0)) return false;
            b = (byte)v0;
            return true;
        }
        if (!HexVal(c1, out int h) || !HexVal(c2, out int l)) return false;
        b = (byte)(h * 16 + l);
        return true;
    }

    private static bool HexVal(char c, out int v)
    {
        v = c switch { >= '0' and <= '9' => c - '0', >= 'a' and <= 'f' => c - 'a' + 10, >= 'A' and <= 'F' => c - 'A' + 10, _ => -1 };
        return v >= 0;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "ByteFallback");
        w.WriteEndObject();
    }
}

/// <summary>Concatenates all tokens into one.</summary>
internal sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Fuse");
        w.WriteEndObject();
    }
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing <c>content</c> characters from each token.</summary>
internal sealed class StripDecoder(string content, int start, int stop) : IDecoder
{
    public string Content { get; } = content;
    public int Start { get; } = start;
    public int Stop { get; } = stop;

    public List<string> DecodeChain(List<string> tokens)
    {
        var r = new List<string>(tokens.Count);
        int content = char.ConvertToUtf32(Content, 0);
        foreach (var t in tokens)
        {
            var runes = new List<Rune>(t.EnumerateRunes());
            int startCut = 0;
            while (startCut < Start && startCut < runes.Count && runes[startCut].Value == content) startCut++;
            int stopCut = 0;
            while (stopCut < Stop && stopCut < runes.Count && runes[runes.Count - 1 - stopCut].Value == content) stopCut++;
            var sb = new StringBuilder();
            for (int i = startCut; i < runes.Count - stopCut; i++) sb.Append(runes[i].ToString());
            r.Add(sb.ToString());
        }
        return r;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Strip");
        w.WriteString("content", Content);
        w.WriteNumber("start", Start);
        w.WriteNumber("stop", Stop);
        w.WriteEndObject();
    }
}

/// <summary>Chains decoders.</summary>
internal sealed class DecoderSequence(IReadOnlyList<IDecoder> decoders) : IDecoder
{
    public IReadOnlyList<IDecoder> Decoders { get; } = decoders;

    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var d in Decoders) tokens = d.DecodeChain(tokens);
        return tokens;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Sequence");
        w.WriteStartArray("decoders");
        foreach (var d in Decoders) d.WriteJson(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

internal static class DecoderJson
{
    public static IDecoder? Read(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null) return null;
        string type = Json.TypeOf(e, "decoder");
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelDecoder(Json.Bool(e, "add_prefix_space", true), Json.Bool(e, "trim_offsets", true), Json.Bool(e, "use_regex", true));
            case "Metaspace":
                return new MetaspaceDecoder(Metaspace.ReadReplacement(e), Metaspace.ReadScheme(e), Json.Bool(e, "split", true));
            case "Replace":
                if (!Json.Has(e, "pattern", out var p)) throw Json.Bad("Replace decoder: missing \"pattern\"");
                return new ReplaceDecoder(Pattern.FromJson(p, "Replace decoder"), Json.ReqStr(e, "content", "Replace decoder"));
            case "ByteFallback": return new ByteFallbackDecoder();
            case "Fuse": return new FuseDecoder();
            case "Strip":
            {
                var content = Json.ReqStr(e, "content", "Strip decoder");
                if (content.Length == 0 || content.EnumerateRunes().Count() != 1) throw Json.Bad("Strip decoder: content must be one character");
                return new StripDecoder(content, Json.Int(e, "start", 0), Json.Int(e, "stop", 0));
            }
            case "Sequence":
                if (!Json.Has(e, "decoders", out var arr) || arr.ValueKind != JsonValueKind.Array)
                    throw Json.Bad("Sequence decoder: missing \"decoders\" array");
                var list = new List<IDecoder>();
                foreach (var x in arr.EnumerateArray()) list.Add(Read(x) ?? throw Json.Bad("Sequence decoder: null entry"));
                return new DecoderSequence(list);
            default:
                throw Json.Bad($"unknown decoder type \"{type}\"");
        }
    }
}
