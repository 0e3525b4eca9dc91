using System.Globalization;
using System.Text;

namespace Lep.Tokenization.ChatTemplates;

internal enum TokenKind { Text, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, End }

internal readonly record struct Token(TokenKind Kind, string Value, int Line, int Column, object? Literal = null)
{
    public bool IsName(string value) => Kind == TokenKind.Name && Value == value;
    public bool IsOp(string value) => Kind == TokenKind.Operator && Value == value;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of template",
        TokenKind.Text => "template text",
        TokenKind.VariableBegin => "'{{'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockBegin => "'{%'",
        TokenKind.BlockEnd => "'%}'",
        TokenKind.String => "string literal",
        _ => $"'{Value}'",
    };
}

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control the way Jinja does with HF's settings:
/// <c>{%-</c>/<c>-%}</c> (and <c>{{-</c>, <c>-}}</c>, <c>{#-</c>, <c>-#}</c>) strip all whitespace on that side;
/// trim_blocks drops the first newline after a block or comment tag; lstrip_blocks drops spaces and tabs between the
/// start of a line and a block or comment tag (<c>{%+</c> / <c>+%}</c> turn those two off for one tag).
/// <c>{% raw %}...{% endraw %}</c> becomes one text token.
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly string _src;
    private readonly int[] _lineStarts;
    private readonly bool _trimBlocks, _lstripBlocks;
    private readonly List<Token> _tokens = [];
    private int _pos;

    private Lexer(string source, bool trimBlocks, bool lstripBlocks)
    {
        _src = source;
        _trimBlocks = trimBlocks;
        _lstripBlocks = lstripBlocks;
        var starts = new List<int> { 0 };
        for (int i = 0; i < source.Length; i++)
            if (source[i] == '\n') starts.Add(i + 1);
        _lineStarts = [.. starts];
    }

    public static List<Token> Tokenize(string source, bool trimBlocks = true, bool lstripBlocks = true)
    {
        // Like Jinja: newlines are normalised to \n and (keep_trailing_newline=False) one trailing newline is dropped.
        source = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        var lexer = new Lexer(source, trimBlocks, lstripBlocks);
        lexer.Run();
        return lexer._tokens;
    }

    private (int Line, int Column) Location(int pos)
    {
        int line = Array.BinarySearch(_lineStarts, pos);
        if (line < 0) line = ~line - 1;
        return (line + 1, pos - _lineStarts[line] + 1);
    }

    private TemplateRuntimeError Error(int pos, string message)
    {
        var (line, column) = Location(pos);
        return new TemplateRuntimeError(message, line, column);
    }

    private void Add(TokenKind kind, string value, int pos, object? literal = null)
    {
        var (line, column) = Location(pos);
        _tokens.Add(new Token(kind, value, line, column, literal));
    }

    private void Run()
    {
        while (_pos < _src.Length)
        {
            int tag = NextTagStart(_pos);
            if (tag < 0)
            {
                AddText(_src[_pos..], _pos);
                break;
            }
            char kind = _src[tag + 1];
            char sign = tag + 2 < _src.Length && _src[tag + 2] is '-' or '+' ? _src[tag + 2] : '\0';
            int inner = tag + 2 + (sign == '\0' ? 0 : 1);
            bool isRaw = kind == '%' && TryMatchRawBegin(inner, out _);
            string text = ApplyLeftStrip(_src[_pos..tag], sign, lstrip: kind != '{', lineStarting: _pos == 0 || _src[_pos - 1] == '\n');
            AddText(text, _pos);

            if (kind == '#') LexComment(tag, inner);
            else if (isRaw) LexRaw(tag, inner);
            else LexTag(tag, inner, kind == '%');
        }
        Add(TokenKind.End, "", _src.Length);
    }

    private int NextTagStart(int from)
    {
        for (int i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
            if (_src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    private void AddText(string text, int pos)
    {
        if (text.Length > 0) Add(TokenKind.Text, text, pos);
    }

    /// <summary>The text before a tag: <c>-</c> strips all trailing whitespace; lstrip_blocks strips an indentation.</summary>
    private string ApplyLeftStrip(string text, char sign, bool lstrip, bool lineStarting)
    {
        if (sign == '-') return Py.Strip(text, null, left: false, right: true);
        if (sign == '+' || !lstrip || !_lstripBlocks) return text;
        int lineStart = text.LastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.Length && text.AsSpan(lineStart).IndexOfAnyExcept(" \t\f\v\r") < 0)
            return text[..lineStart];
        return text;
    }

    /// <summary>After a tag end: <c>-</c> skips all whitespace, trim_blocks skips one newline.</summary>
    private void SkipAfterTag(char sign, bool block)
    {
        if (sign == '-')
            while (_pos < _src.Length && Py.IsPySpace(_src[_pos])) _pos++;
        else if (sign != '+' && block && _trimBlocks)
        {
            if (_pos < _src.Length && _src[_pos] == '\n') _pos++;
            else if (_pos + 1 < _src.Length && _src[_pos] == '\r' && _src[_pos + 1] == '\n') _pos += 2;
        }
    }

    private void LexComment(int tag, int inner)
    {
        int end = _src.IndexOf("#}", inner, StringComparison.Ordinal);
        if (end < 0) throw Error(tag, "unclosed comment: '{#' has no matching '#}'");
        char sign = end > inner && _src[end - 1] is '-' or '+' ? _src[end - 1] : '\0';
        _pos = end + 2;
        SkipAfterTag(sign, block: true);
    }

    private bool TryMatchRawBegin(int p, out int after)
    {
        after = p;
        while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return false;
        p += 3;
        if (p < _src.Length && (char.IsLetterOrDigit(_src[p]) || _src[p] == '_')) return false;
        while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        if (p < _src.Length && _src[p] == '-') p++;
        if (string.CompareOrdinal(_src, p, "%}", 0, 2) != 0) return false;
        after = p + 2;
        return true;
    }

    private void LexRaw(int tag, int inner)
    {
        TryMatchRawBegin(inner, out int contentStart);
        if (_src[contentStart - 3] == '-')
            while (contentStart < _src.Length && Py.IsPySpace(_src[contentStart])) contentStart++;
        // Find {%[-+]? endraw [-+]?%}
        for (int i = NextTagStart(contentStart); i >= 0; i = NextTagStart(i + 2))
        {
            if (_src[i + 1] != '%') continue;
            int p = i + 2;
            char sign = p < _src.Length && _src[p] is '-' or '+' ? _src[p] : '\0';
            if (sign != '\0') p++;
            while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
            if (string.CompareOrdinal(_src, p, "endraw", 0, 6) != 0) continue;
            p += 6;
            while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
            char endSign = p < _src.Length && _src[p] is '-' or '+' ? _src[p] : '\0';
            if (endSign != '\0') p++;
            if (string.CompareOrdinal(_src, p, "%}", 0, 2) != 0) continue;
            string content = ApplyLeftStrip(_src[contentStart..i], sign, lstrip: true,
                lineStarting: contentStart > 0 && _src[contentStart - 1] == '\n');
            AddText(content, contentStart);
            _pos = p + 2;
            SkipAfterTag(endSign, block: true);
            return;
        }
        throw Error(tag, "unclosed '{% raw %}' block: no matching '{% endraw %}'");
    }

    private void LexTag(int tag, int inner, bool block)
    {
        Add(block ? TokenKind.BlockBegin : TokenKind.VariableBegin, block ? "{%" : "{{", tag);
        int p = inner, depth = 0;
        Token? previous = null;
        while (true)
        {
            while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
            if (p >= _src.Length)
                throw Error(tag, $"unclosed tag: '{(block ? "{%" : "{{")}' has no matching '{(block ? "%}" : "}}")}'");
            if (depth == 0 && TryTagEnd(p, block, out char sign, out int after))
            {
                Add(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, block ? "%}" : "}}", p);
                _pos = after;
                SkipAfterTag(sign, block);
                return;
            }
            char c = _src[p];
            int start = p;
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (p < _src.Length && (char.IsAsciiLetterOrDigit(_src[p]) || _src[p] == '_')) p++;
                Add(TokenKind.Name, _src[start..p], start);
            }
            else if (char.IsAsciiDigit(c))
            {
                bool afterDot = previous is { } prev && prev.IsOp(".");
                p = LexNumber(p, allowFloat: !afterDot, out object value);
                Add(value is long ? TokenKind.Integer : TokenKind.Float, _src[start..p], start, value);
            }
            else if (c is '\'' or '"')
            {
                p = LexString(p, out string value);
                Add(TokenKind.String, _src[start..p], start, value);
            }
            else
            {
                string? op = Operators.FirstOrDefault(o => string.CompareOrdinal(_src, p, o, 0, o.Length) == 0);
                if (op is null) throw Error(p, $"unexpected character '{c}' in tag");
                if (op is "(" or "[" or "{") depth++;
                else if (op is ")" or "]" or "}")
                {
                    if (depth == 0) throw Error(p, $"unexpected '{op}'");
                    depth--;
                }
                p += op.Length;
                Add(TokenKind.Operator, op, start);
            }
            previous = _tokens[^1];
        }
    }

    private bool TryTagEnd(int p, bool block, out char sign, out int after)
    {
        string close = block ? "%}" : "}}";
        sign = '\0';
        after = p;
        if (_src[p] is '-' or '+' && string.CompareOrdinal(_src, p + 1, close, 0, 2) == 0)
        {
            if (_src[p] == '+' && !block) return false;
            sign = _src[p];
            after = p + 3;
            return true;
        }
        if (string.CompareOrdinal(_src, p, close, 0, 2) != 0) return false;
        after = p + 2;
        return true;
    }

    private int LexNumber(int p, bool allowFloat, out object value)
    {
        int start = p;
        p = Digits(p);
        bool isFloat = false;
        if (allowFloat && p + 1 < _src.Length && _src[p] == '.' && char.IsAsciiDigit(_src[p + 1]))
        {
            p = Digits(p + 1);
            isFloat = true;
        }
        if (allowFloat && p < _src.Length && _src[p] is 'e' or 'E')
        {
            int q = p + 1;
            if (q < _src.Length && _src[q] is '+' or '-') q++;
            if (q < _src.Length && char.IsAsciiDigit(_src[q]))
            {
                p = Digits(q);
                isFloat = true;
            }
        }
        string text = _src[start..p].Replace("_", "");
        if (isFloat) value = double.Parse(text, CultureInfo.InvariantCulture);
        else if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long l)) value = l;
        else throw Error(start, $"integer literal {text} is too large");
        return p;
    }

    private int Digits(int p)
    {
        while (p < _src.Length && (char.IsAsciiDigit(_src[p]) || (_src[p] == '_' && p + 1 < _src.Length && char.IsAsciiDigit(_src[p + 1])))) p++;
        return p;
    }

    /// <summary>A quoted string with Python escapes (\n \t \r \\ \' \" \xNN \uNNNN \UNNNNNNNN, octal); unknown escapes stay as written.</summary>
    private int LexString(int p, out string value)
    {
        char quote = _src[p];
        int start = p++;
        var sb = new StringBuilder();
        while (true)
        {
            if (p >= _src.Length) throw Error(start, "unterminated string literal");
            char c = _src[p];
            if (c == quote) break;
            if (c != '\\' || p + 1 >= _src.Length)
            {
                sb.Append(c);
                p++;
                continue;
            }
            char e = _src[p + 1];
            p += 2;
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\n': break; // line continuation
                case 'x': p = Hex(p, 2, sb, start); break;
                case 'u': p = Hex(p, 4, sb, start); break;
                case 'U': p = Hex(p, 8, sb, start); break;
                case >= '0' and <= '7':
                    int code = e - '0', n = 1;
                    while (n < 3 && p < _src.Length && _src[p] is >= '0' and <= '7')
                    {
                        code = code * 8 + (_src[p++] - '0');
                        n++;
                    }
                    sb.Append((char)code);
                    break;
                default: sb.Append('\\').Append(e); break;
            }
        }
        value = sb.ToString();
        return p + 1;
    }

    private int Hex(int p, int digits, StringBuilder sb, int stringStart)
    {
        if (p + digits > _src.Length || !int.TryParse(_src.AsSpan(p, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
            || code > 0x10FFFF)
            throw Error(stringStart, $"bad \\{(digits == 2 ? 'x' : digits == 4 ? 'u' : 'U')} escape in string literal");
        sb.Append(char.ConvertFromUtf32(code));
        return p + digits;
    }
}
