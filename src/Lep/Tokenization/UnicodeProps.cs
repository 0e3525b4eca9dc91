using System.Globalization;
using System.Text;

namespace Lep.Tokenization;

/// <summary>Character predicates with Rust's (HF tokenizers') semantics, on code points.</summary>
internal static class UnicodeProps
{
    /// <summary>Rust <c>char::is_whitespace</c> / regex <c>\s</c>: the Unicode White_Space property.</summary>
    public static bool IsWhitespace(int c) => c switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        >= 0x2000 and <= 0x200A => true,
        _ => false,
    };

    /// <summary>Rust <c>char::is_numeric</c>: general categories Nd, Nl, No.</summary>
    public static bool IsNumeric(int c)
    {
        if (c < 0x80) return c is >= '0' and <= '9';
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return cat is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }

    /// <summary>Rust regex <c>\w</c>: Alphabetic, M, Nd, Pc, Join_Control (Other_Alphabetic approximated).</summary>
    public static bool IsWordChar(int c)
    {
        if (c < 0x80) return c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_';
        if (c is 0x200C or 0x200D) return true;
        if (c is >= 0x24B6 and <= 0x24E9 or >= 0x1F130 and <= 0x1F149 or >= 0x1F150 and <= 0x1F169 or >= 0x1F170 and <= 0x1F189) return true;
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return cat switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.LetterNumber or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }

    /// <summary>HF <c>is_punc</c>: ASCII punctuation or any Unicode P* category.</summary>
    public static bool IsPunctuation(int c)
    {
        if (c < 0x80) return c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126;
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return cat is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>Code point at <paramref name="i"/> and its UTF-16 length.</summary>
    public static int CodePointAt(string s, int i, out int len)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            len = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }
        len = 1;
        return c;
    }

    /// <summary>Code point ending at <paramref name="end"/> (exclusive).</summary>
    public static int CodePointBefore(string s, int end, out int len)
    {
        char c = s[end - 1];
        if (char.IsLowSurrogate(c) && end >= 2 && char.IsHighSurrogate(s[end - 2]))
        {
            len = 2;
            return char.ConvertToUtf32(s[end - 2], c);
        }
        len = 1;
        return c;
    }

    /// <summary>Replaces lone surrogates with U+FFFD (what a UTF-8 round trip does), so text is valid Unicode.</summary>
    public static string Sanitize(string s)
    {
        int i = s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0) return s;
        var sb = new StringBuilder(s.Length);
        sb.Append(s, 0, i);
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[i + 1]); i++; }
            else if (char.IsSurrogate(c)) sb.Append('\uFFFD');
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
