using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Lep.Data;

namespace Lep.Tokenization.ChatTemplates;

// Template values are plain CLR objects with Python semantics:
//   null = None, bool, long (int), double (float), string, List<object?> (list/tuple), JDict (dict, insertion order),
//   Undefined, Namespace, LoopInfo, Callable, BoundMethod.

/// <summary>Jinja's default <c>Undefined</c>: falsy, renders as "", iterates as empty; any other use is an error.</summary>
internal sealed class Undefined
{
    /// <summary>Why it is undefined, in Jinja's words ("'foo' is undefined", "'dict object' has no attribute 'x'").</summary>
    public string Hint { get; }

    public Undefined(string hint) => Hint = hint;

    public static Undefined Name(string name) => new($"'{name}' is undefined");

    /// <summary>Jinja's wording: "'dict object' has no attribute 'x'", "list object has no element 3".</summary>
    public static Undefined Attribute(object? owner, object? key) => key is string
        ? new($"'{Py.TypeName(owner)} object' has no attribute {Py.Repr(key)}")
        : new($"{Py.TypeName(owner)} object has no element {Py.Repr(key)}");
}

/// <summary>A dict: insertion-ordered, keys compared with Python equality (1 == 1.0 == True).</summary>
internal sealed class JDict : Dictionary<object, object?>
{
    public JDict() : base(KeyComparer.Instance) { }

    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();
        public new bool Equals(object? x, object? y) => Py.Eq(x, y);

        public int GetHashCode(object obj) => obj switch
        {
            string s => s.GetHashCode(StringComparison.Ordinal),
            bool b => (b ? 1L : 0L).GetHashCode(),
            long l => l.GetHashCode(),
            double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
            double d => d.GetHashCode(),
            _ => RuntimeHelpers.GetHashCode(obj),
        };
    }
}

/// <summary>A tuple: a list that prints as <c>(a, b)</c> and is never equal to a list.</summary>
internal sealed class PyTuple : List<object?>
{
    public PyTuple(IEnumerable<object?> items) : base(items) { }
}

/// <summary>The object <c>namespace(...)</c> returns: the one thing a template may assign attributes on.</summary>
internal sealed class Namespace
{
    public JDict Attributes { get; } = new();
}

/// <summary>A function callable from a template (globals, macros).</summary>
internal sealed class Callable
{
    public string Name { get; }
    public Func<List<object?>, Dictionary<string, object?>, object?> Invoke { get; }

    public Callable(string name, Func<List<object?>, Dictionary<string, object?>, object?> invoke)
    {
        Name = name;
        Invoke = invoke;
    }
}

/// <summary><c>obj.method</c> before it is called (<c>message.content.strip</c>).</summary>
internal sealed record BoundMethod(object? Target, string Name);

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class LoopInfo
{
    public required int Index0 { get; init; }
    public required int Length { get; init; }
    public required int Depth0 { get; init; }
    public object? Previous { get; init; }
    public object? Next { get; init; }
    public bool HasPrevious { get; init; }
    public bool HasNext { get; init; }

    public object? Get(string name) => name switch
    {
        "index0" => (long)Index0,
        "index" => (long)Index0 + 1,
        "revindex0" => (long)(Length - Index0 - 1),
        "revindex" => (long)(Length - Index0),
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => (long)Length,
        "depth0" => (long)Depth0,
        "depth" => (long)Depth0 + 1,
        "previtem" => HasPrevious ? Previous : Undefined.Name("loop.previtem"),
        "nextitem" => HasNext ? Next : Undefined.Name("loop.nextitem"),
        "cycle" => new BoundMethod(this, "cycle"),
        _ => new Undefined($"'LoopContext object' has no attribute '{name}'"),
    };
}

/// <summary>Python semantics for template values: truth, str/repr, equality, ordering, conversion from CLR.</summary>
internal static class Py
{
    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        JDict => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        LoopInfo => "LoopContext",
        Callable or BoundMethod => "function",
        _ => v.GetType().Name,
    };

    public static bool Truthy(object? v) => v switch
    {
        null => false,
        Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        JDict d => d.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static string Str(object? v) => v switch
    {
        null => "None",
        Undefined => "",
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        _ => Repr(v),
    };

    public static string Repr(object? v)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, v);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case string s:
                AppendStringRepr(sb, s);
                break;
            case List<object?> list:
                bool tuple = list is PyTuple;
                sb.Append(tuple ? '(' : '[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, list[i]);
                }
                sb.Append(tuple ? (list.Count == 1 ? ",)" : ")") : "]");
                break;
            case JDict dict:
                sb.Append('{');
                bool first = true;
                foreach (var (key, value) in dict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendRepr(sb, key);
                    sb.Append(": ");
                    AppendRepr(sb, value);
                }
                sb.Append('}');
                break;
            case Undefined:
                sb.Append("Undefined");
                break;
            case Namespace ns:
                sb.Append("<Namespace ");
                AppendRepr(sb, ns.Attributes);
                sb.Append('>');
                break;
            case Callable c:
                sb.Append("<function ").Append(c.Name).Append('>');
                break;
            case BoundMethod m:
                sb.Append("<built-in method ").Append(m.Name).Append('>');
                break;
            case LoopInfo:
                sb.Append("<LoopContext>");
                break;
            default:
                sb.Append(Str(v));
                break;
        }
    }

    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append(quote);
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, "1.0" for integral values, "1e-05" style exponents.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == Math.Floor(d) && Math.Abs(d) < 1e16)
            return (d == 0 && double.IsNegative(d) ? "-0" : ((long)d).ToString(CultureInfo.InvariantCulture)) + ".0";
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E');
        if (e < 0) return r;
        string mantissa = r[..e];
        int exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
    }

    public static bool Eq(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a) == ToDouble(b);
            return ToLong(a) == ToLong(b);
        }
        switch (a)
        {
            case string sa: return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case Undefined: return b is Undefined;
            case List<object?> la:
                if (b is not List<object?> lb || la.Count != lb.Count || (la is PyTuple) != (lb is PyTuple)) return false;
                for (int i = 0; i < la.Count; i++)
                    if (!Eq(la[i], lb[i])) return false;
                return true;
            case JDict da:
                if (b is not JDict db || da.Count != db.Count) return false;
                foreach (var (key, value) in da)
                    if (!db.TryGetValue(key, out var other) || !Eq(value, other)) return false;
                return true;
            case BoundMethod ma:
                return b is BoundMethod mb && ma.Name == mb.Name && ReferenceEquals(ma.Target, mb.Target);
            default:
                return a.Equals(b);
        }
    }

    /// <summary>Python ordering (&lt;, &gt;): numbers, strings (by code point), lists lexicographically.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a).CompareTo(ToDouble(b));
            return ToLong(a).CompareTo(ToLong(b));
        }
        if (a is string sa && b is string sb) return Math.Sign(string.CompareOrdinal(sa, sb));
        if (a is List<object?> la && b is List<object?> lb)
        {
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (Eq(la[i], lb[i])) continue;
                return Compare(la[i], lb[i], op);
            }
            return la.Count.CompareTo(lb.Count);
        }
        if (a is Undefined u) throw new TemplateRuntimeError(u.Hint);
        if (b is Undefined ub) throw new TemplateRuntimeError(ub.Hint);
        throw new TemplateRuntimeError($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static long ToLong(object? v) => v switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => (long)d,
        Undefined u => throw new TemplateRuntimeError(u.Hint),
        _ => throw new TemplateRuntimeError($"expected a number, got '{TypeName(v)}'"),
    };

    public static double ToDouble(object? v) => v switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        Undefined u => throw new TemplateRuntimeError(u.Hint),
        _ => throw new TemplateRuntimeError($"expected a number, got '{TypeName(v)}'"),
    };

    /// <summary>An integer argument (index, count, width): int or bool, or a float with an integral value.</summary>
    public static int ToInt(object? v, string what) => v switch
    {
        bool or long => checked((int)ToLong(v)),
        double d when d == Math.Floor(d) => checked((int)d),
        _ => throw new TemplateRuntimeError($"{what} must be an integer, got '{TypeName(v)}'"),
    };

    public static string ExpectString(object? v, string what) => v switch
    {
        string s => s,
        Undefined u => throw new TemplateRuntimeError(u.Hint),
        _ => throw new TemplateRuntimeError($"{what} must be a string, got '{TypeName(v)}'"),
    };

    /// <summary>Python's iteration: list items, dict keys, string characters (code points); Undefined is empty.</summary>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        List<object?> list => list,
        JDict dict => dict.Keys,
        string s => CodePoints(s),
        Undefined => [],
        _ => throw new TemplateRuntimeError($"'{TypeName(v)}' object is not iterable"),
    };

    public static List<object?> ToList(object? v) => v is List<object?> list ? list : [.. Iterate(v)];

    public static int Length(object? v) => v switch
    {
        string s => CodePointCount(s),
        List<object?> list => list.Count,
        JDict dict => dict.Count,
        Undefined => 0,
        Namespace ns => ns.Attributes.Count,
        _ => throw new TemplateRuntimeError($"object of type '{TypeName(v)}' has no len()"),
    };

    public static bool IsPySpace(char c) => char.IsWhiteSpace(c) || (c >= '\x1c' && c <= '\x1f');

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        int start = 0, end = s.Length;
        Func<char, bool> strip = chars is null ? IsPySpace : c => chars.Contains(c);
        if (left) while (start < end && strip(s[start])) start++;
        if (right) while (end > start && strip(s[end - 1])) end--;
        return s[start..end];
    }

    public static bool HasSurrogates(string s)
    {
        foreach (char c in s)
            if (char.IsSurrogate(c)) return true;
        return false;
    }

    public static int CodePointCount(string s) => HasSurrogates(s) ? s.EnumerateRunes().Count() : s.Length;

    public static IEnumerable<object?> CodePoints(string s)
    {
        if (!HasSurrogates(s))
        {
            foreach (char c in s) yield return c.ToString();
            yield break;
        }
        foreach (var rune in s.EnumerateRunes()) yield return rune.ToString();
    }

    /// <summary>Turns a value handed in by C# code (ChatMessage, dictionaries, lists, JSON, numbers) into a template value.</summary>
    public static object? FromClr(object? v) => v switch
    {
        null => null,
        string or bool or long or double or Undefined or JDict or Namespace or Callable => v,
        PyTuple tuple => new PyTuple(tuple.Select(FromClr)),
        List<object?> list => list.Select(FromClr).ToList(),
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        ulong ul => checked((long)ul),
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        ChatMessage m => new JDict { ["role"] = m.Role, ["content"] = m.Content },
        JsonElement e => FromJson(e),
        IDictionary dict => FromDictionary(dict),
        IEnumerable<KeyValuePair<string, object?>> pairs => FromPairs(pairs),
        IEnumerable items => items.Cast<object?>().Select(FromClr).ToList(),
        Enum e => e.ToString(),
        _ => throw new TemplateRuntimeError($"values of type {v.GetType().Name} cannot be passed to a template"),
    };

    private static JDict FromDictionary(IDictionary dict)
    {
        var result = new JDict();
        foreach (DictionaryEntry entry in dict)
            result[FromClr(entry.Key) ?? throw new TemplateRuntimeError("dictionary keys cannot be null")] = FromClr(entry.Value);
        return result;
    }

    private static JDict FromPairs(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var result = new JDict();
        foreach (var (key, value) in pairs) result[key] = FromClr(value);
        return result;
    }

    public static object? FromJson(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new JDict();
                foreach (var p in e.EnumerateObject()) dict[p.Name] = FromJson(p.Value);
                return dict;
            case JsonValueKind.Array:
                return e.EnumerateArray().Select(FromJson).ToList();
            case JsonValueKind.String:
                return e.GetString();
            case JsonValueKind.Number:
                return e.TryGetInt64(out long l) ? (object)l : e.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
