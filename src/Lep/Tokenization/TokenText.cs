using System.Text;
using Lep.Tokenization.Decoders;
using Lep.Tokenization.Models;
using Lep.Tokenization.PreTokenizers;

namespace Lep.Tokenization;

/// <summary>
/// What a token stands for as raw bytes, whatever the vocabulary's spelling: byte-level BPE (GPT-2 characters,
/// <c>Ġ</c> = space, partial UTF-8 allowed), SentencePiece (<c>▁</c> = space, <c>&lt;0xNN&gt;</c> byte fallback), or
/// plain text. Two tokens of different vocabularies mean the same thing exactly when their bytes are equal.
/// </summary>
internal sealed class TokenText
{
    private readonly Tokenizer _tokenizer;
    private readonly HashSet<int> _unknown = [];

    public bool IsByteLevel { get; }
    public bool HasByteFallback { get; }

    public TokenText(Tokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        IsByteLevel = UsesByteLevel(tokenizer);
        HasByteFallback = tokenizer.Model switch { Bpe b => b.ByteFallback, Unigram u => u.ByteFallback, _ => false };
        string? unk = tokenizer.Model switch { Bpe b => b.UnkToken, _ => null };
        if (unk is not null && tokenizer.TokenToId(unk) is int uid) _unknown.Add(uid);
        if (tokenizer.Model is Unigram { UnkId: int unigramUnk }) _unknown.Add(unigramUnk);
    }

    /// <summary>The unknown token's id(s): they carry no meaning and are never used as sources.</summary>
    public bool IsUnknown(int id) => _unknown.Contains(id);

    /// <summary>Whether a tokenizer spells its tokens in GPT-2's byte-level characters (a ByteLevel pre-tokenizer or decoder).</summary>
    public static bool UsesByteLevel(Tokenizer t)
    {
        static bool Dec(IDecoder? d) => d switch
        {
            ByteLevelDecoder => true,
            DecoderSequence s => s.Decoders.Any(Dec),
            _ => false,
        };
        static bool Pre(IPreTokenizer? p) => p switch
        {
            ByteLevelPreTokenizer => true,
            PreTokenizerSequence s => s.PreTokenizers.Any(Pre),
            _ => false,
        };
        return Dec(t.Decoder) || Pre(t.PreTokenizer);
    }

    /// <summary>The bytes of token <paramref name="id"/>, or null when the id has no token.</summary>
    public byte[]? Bytes(int id)
    {
        if (_tokenizer.AddedTokens.ById(id) is AddedToken added) return Encoding.UTF8.GetBytes(added.Content);
        string? token = _tokenizer.Model.IdToToken(id);
        return token is null ? null : BytesOfModelToken(token);
    }

    public byte[] BytesOfModelToken(string token)
    {
        if (IsByteLevel)
        {
            var bytes = new byte[token.Length];
            bool all = true;
            for (int i = 0; i < token.Length && all; i++)
            {
                int b = ByteLevel.ByteOf(token[i]);
                if (b < 0) all = false;
                else bytes[i] = (byte)b;
            }
            if (all) return bytes;
            return Encoding.UTF8.GetBytes(token);
        }
        if (HasByteFallback && ParseByteToken(token) is byte single) return [single];
        return Encoding.UTF8.GetBytes(token.Replace('\u2581', ' '));
    }

    /// <summary>The byte of a SentencePiece byte-fallback token <c>&lt;0xNN&gt;</c>.</summary>
    public static byte? ParseByteToken(string token) =>
        token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
        && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b) ? b : null;

    /// <summary>A printable rendering of bytes for logs (invalid UTF-8 as \xNN).</summary>
    public static string Printable(byte[] bytes)
    {
        if (TryUtf8(bytes, out string? s)) return s!;
        return string.Concat(bytes.Select(b => b < 0x80 ? ((char)b).ToString() : $"\\x{b:X2}"));
    }

    public static bool TryUtf8(byte[] bytes, out string? text)
    {
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>Hashable key for a byte string.</summary>
    public static string Key(byte[] bytes) => Encoding.Latin1.GetString(bytes);
}
