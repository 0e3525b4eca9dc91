using System.Text;

namespace Lep.Tokenization;

/// <summary>GPT-2's reversible byte ↔ printable character table.</summary>
internal static class ByteLevel
{
    private static readonly char[] ByteToChar = new char[256];
    private static readonly short[] CharToByte = new short[324];

    static ByteLevel()
    {
        Array.Fill(CharToByte, (short)-1);
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;
            char c = printable ? (char)b : (char)(256 + n++);
            ByteToChar[b] = c;
            CharToByte[c] = (short)b;
        }
    }

    public static char CharOf(byte b) => ByteToChar[b];

    /// <summary>The byte a stand-in character represents, or -1.</summary>
    public static int ByteOf(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    /// <summary>UTF-8 encodes <paramref name="text"/> and maps each byte to its character.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static string Encode(string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> buf = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(text, buf);
        Span<char> chars = n <= 1024 ? stackalloc char[n] : new char[n];
        for (int i = 0; i < n; i++) chars[i] = ByteToChar[buf[i]];
        return new string(chars);
    }
}
