using System.Globalization;
using System.Text;

namespace Lep.Tokenization.ChatTemplates;

/// <summary>
/// Python's <c>json.dumps</c>, which HF's <c>tojson</c> filter calls with <c>ensure_ascii=False</c>: separators
/// <c>", "</c>/<c>": "</c> (<c>","</c> between items when indenting), keys in insertion order unless sorted.
/// </summary>
internal static class PyJson
{
    public static string Dumps(object? value, int? indent = null, bool ensureAscii = false, bool sortKeys = false,
        string? itemSeparator = null, string? keySeparator = null)
    {
        var sb = new StringBuilder();
        var options = new Options(indent, ensureAscii, sortKeys, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ");
        Write(sb, value, options, 0);
        return sb.ToString();
    }

    private sealed record Options(int? Indent, bool EnsureAscii, bool SortKeys, string ItemSeparator, string KeySeparator);

    private static void Write(StringBuilder sb, object? value, Options o, int level)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : Py.FloatRepr(d));
                break;
            case string s: WriteString(sb, s, o.EnsureAscii); break;
            case List<object?> list:
                if (list.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }
                sb.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(o.ItemSeparator);
                    NewLine(sb, o, level + 1);
                    Write(sb, list[i], o, level + 1);
                }
                NewLine(sb, o, level);
                sb.Append(']');
                break;
            case JDict dict:
                if (dict.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }
                sb.Append('{');
                var pairs = dict.Select(p => (Key: KeyString(p.Key), p.Value));
                if (o.SortKeys) pairs = pairs.OrderBy(p => p.Key, StringComparer.Ordinal);
                bool first = true;
                foreach (var (key, item) in pairs)
                {
                    if (!first) sb.Append(o.ItemSeparator);
                    first = false;
                    NewLine(sb, o, level + 1);
                    WriteString(sb, key, o.EnsureAscii);
                    sb.Append(o.KeySeparator);
                    Write(sb, item, o, level + 1);
                }
                NewLine(sb, o, level);
                sb.Append('}');
                break;
            case Namespace ns:
                Write(sb, ns.Attributes, o, level);
                break;
            case Undefined u:
                throw new TemplateRuntimeError($"tojson: {u.Hint}");
            default:
                throw new TemplateRuntimeError($"Object of type {Py.TypeName(value)} is not JSON serializable");
        }
    }

    private static string KeyString(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long or double => Py.Str(key),
        _ => throw new TemplateRuntimeError($"keys must be str, int, float or bool, not {Py.TypeName(key)}"),
    };

    private static void NewLine(StringBuilder sb, Options o, int level)
    {
        if (o.Indent is not { } indent) return;
        sb.Append('\n').Append(' ', indent * level);
    }

    private static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
