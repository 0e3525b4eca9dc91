using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Lep.Tokenization.ChatTemplates;

/// <summary>Jinja filters (<c>value | name(args)</c>), with HF's <c>tojson</c> (<c>ensure_ascii=False</c>).</summary>
internal static partial class Filters
{
    private delegate object? Filter(object? value, Arguments args);

    private static readonly Dictionary<string, Filter> All = new()
    {
        ["trim"] = (v, a) => Py.Strip(Py.Str(v), a.Check("trim", "chars").OptionalString(0, "chars", "trim"), true, true),
        ["tojson"] = ToJson,
        ["length"] = (v, a) => (long)Py.Length(v),
        ["upper"] = (v, _) => Py.Str(v).ToUpperInvariant(),
        ["lower"] = (v, _) => Py.Str(v).ToLowerInvariant(),
        ["title"] = (v, _) => Title(Py.Str(v)),
        ["capitalize"] = (v, _) => Access.Capitalize(Py.Str(v)),
        ["replace"] = (v, a) =>
        {
            a.Check("replace", "old", "new", "count");
            return Access.Replace(Py.Str(v), Py.Str(a.Required(0, "old", "replace")), Py.Str(a.Required(1, "new", "replace")),
                a.Get(2, "count") is { } count ? Py.ToInt(count, "count") : -1);
        },
        ["join"] = (v, a) =>
        {
            a.Check("join", "d", "attribute");
            var items = Py.Iterate(v);
            if (a.Get(1, "attribute") is { } attribute) items = items.Select(item => Attribute(item, attribute));
            return string.Join(Py.Str(a.Get(0, "d", "")), items.Select(Py.Str));
        },
        ["default"] = (v, a) =>
        {
            a.Check("default", "default_value", "boolean");
            return v is Undefined || (Py.Truthy(a.Get(1, "boolean", false)) && !Py.Truthy(v)) ? a.Get(0, "default_value", "") : v;
        },
        ["first"] = (v, _) => Py.Iterate(v).Take(1).ToList() is [var item] ? item : new Undefined("No first item, sequence was empty."),
        ["last"] = (v, _) => Py.ToList(v) is { Count: > 0 } list ? list[^1] : new Undefined("No last item, sequence was empty."),
        ["list"] = (v, _) => Py.Iterate(v).ToList(),
        ["string"] = (v, _) => Py.Str(v),
        ["int"] = ToInt,
        ["float"] = ToFloat,
        ["items"] = (v, _) => v switch
        {
            Undefined => new List<object?>(),
            JDict d => d.Select(p => (object?)new PyTuple([p.Key, p.Value])).ToList(),
            _ => throw new TemplateRuntimeError("Can only get item pairs from a mapping."),
        },
        ["selectattr"] = (v, a) => Select(v, a, byAttribute: true, keep: true),
        ["rejectattr"] = (v, a) => Select(v, a, byAttribute: true, keep: false),
        ["select"] = (v, a) => Select(v, a, byAttribute: false, keep: true),
        ["reject"] = (v, a) => Select(v, a, byAttribute: false, keep: false),
        ["map"] = Map,
        ["safe"] = (v, _) => v,
        ["escape"] = (v, _) => Escape(Py.Str(v)),
        ["indent"] = Indent,
        ["reverse"] = (v, _) => v is string s ? string.Concat(Py.CodePoints(s).Reverse()) : Py.Iterate(v).Reverse().ToList(),
        ["sort"] = Sort,
        ["unique"] = Unique,
        ["sum"] = (v, a) =>
        {
            a.Check("sum", "attribute", "start");
            object? total = a.Get(1, "start", 0L);
            foreach (var item in Py.Iterate(v))
                total = TemplateInterpreter.Arithmetic("+", total, a.Get(0, "attribute") is { } attribute ? Attribute(item, attribute) : item);
            return total;
        },
        ["abs"] = (v, _) => v is double d ? Math.Abs(d) : (object)Math.Abs(Py.ToLong(v)),
        ["round"] = (v, a) =>
        {
            a.Check("round", "precision", "method");
            int precision = Py.ToInt(a.Get(0, "precision", 0L), "precision");
            double x = Py.ToDouble(v), scale = Math.Pow(10, precision);
            return a.Get(1, "method", "common") switch
            {
                "ceil" => Math.Ceiling(x * scale) / scale,
                "floor" => Math.Floor(x * scale) / scale,
                _ => Math.Round(x, precision, MidpointRounding.ToEven), // Python's round()
            };
        },
        ["min"] = (v, a) => Extreme(v, a, "min"),
        ["max"] = (v, a) => Extreme(v, a, "max"),
        ["wordcount"] = (v, _) => (long)WordRegex().Matches(Py.Str(v)).Count,
        ["center"] = (v, a) =>
        {
            string s = Py.Str(v);
            int width = Py.ToInt(a.Get(0, "width", 80L), "width");
            if (s.Length >= width) return s;
            int left = (width - s.Length) / 2 + ((width - s.Length) % 2 == 1 && width % 2 == 1 ? 1 : 0);
            return new string(' ', left) + s + new string(' ', width - s.Length - left);
        },
    };

    static Filters()
    {
        All["count"] = All["length"];
        All["d"] = All["default"];
        All["e"] = All["escape"];
    }

    public static bool Exists(string name) => All.ContainsKey(name);

    public static object? Apply(string name, object? value, Arguments args)
    {
        if (!All.TryGetValue(name, out var filter)) throw new TemplateRuntimeError($"no filter named '{name}'");
        return filter(value, args);
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();

    /// <summary>Looks up a dotted attribute path the way Jinja's attribute getters do (<c>"function.name"</c>, <c>"0"</c>).</summary>
    private static object? Attribute(object? item, object? path)
    {
        if (path is long or bool) return Access.GetItem(item, path);
        foreach (var part in Py.Str(path).Split('.'))
            item = Access.GetItem(item, long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long i) ? i : part);
        return item;
    }

    /// <summary>HF's override: <c>tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)</c> = json.dumps.</summary>
    private static object? ToJson(object? value, Arguments args)
    {
        args.Check("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        int? indent = args.Get(1, "indent") is { } i ? Py.ToInt(i, "indent") : null;
        string? itemSeparator = null, keySeparator = null;
        switch (args.Get(2, "separators"))
        {
            case null:
                break;
            case List<object?> { Count: 2 } separators:
                itemSeparator = Py.ExpectString(separators[0], "separators");
                keySeparator = Py.ExpectString(separators[1], "separators");
                break;
            default:
                throw new TemplateRuntimeError("tojson(): separators must be a pair of strings");
        }
        return PyJson.Dumps(value, indent, Py.Truthy(args.Get(0, "ensure_ascii", false)), Py.Truthy(args.Get(3, "sort_keys", false)),
            itemSeparator, keySeparator);
    }

    private static object? ToInt(object? value, Arguments args)
    {
        args.Check("int", "default", "base");
        object? fallback = args.Get(0, "default", 0L);
        int numberBase = Py.ToInt(args.Get(1, "base", 10L), "base");
        switch (value)
        {
            case bool or long: return Py.ToLong(value);
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                string t = Py.Strip(s, null, true, true).Replace("_", "");
                if (numberBase == 10 && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                if (numberBase != 10)
                {
                    try
                    {
                        string digits = t.ToLowerInvariant();
                        if (numberBase == 16 && digits.StartsWith("0x", StringComparison.Ordinal)) digits = digits[2..];
                        else if (numberBase == 8 && digits.StartsWith("0o", StringComparison.Ordinal)) digits = digits[2..];
                        else if (numberBase == 2 && digits.StartsWith("0b", StringComparison.Ordinal)) digits = digits[2..];
                        return Convert.ToInt64(digits, numberBase);
                    }
                    catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
                    {
                        return fallback;
                    }
                }
                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && double.IsFinite(f)
                    ? (long)Math.Truncate(f) : fallback;
            default: return fallback;
        }
    }

    private static object? ToFloat(object? value, Arguments args)
    {
        args.Check("float", "default");
        object? fallback = args.Get(0, "default", 0.0);
        return value switch
        {
            bool or long or double => Py.ToDouble(value),
            string s when double.TryParse(Py.Strip(s, null, true, true), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
            _ => fallback,
        };
    }

    /// <summary>select/reject(test, args...) and selectattr/rejectattr(attribute, test, args...).</summary>
    private static object? Select(object? value, Arguments args, bool byAttribute, bool keep)
    {
        var positional = args.Positional;
        int next = 0;
        object? attribute = null;
        if (byAttribute)
        {
            if (positional.Count == 0) throw new TemplateRuntimeError("selectattr/rejectattr need an attribute name");
            attribute = positional[next++];
        }
        string? test = next < positional.Count ? Py.ExpectString(positional[next++], "test name") : null;
        if (test is not null && !Predicates.Exists(test)) throw new TemplateRuntimeError($"no test named '{test}'");
        var testArgs = new Arguments(positional.Skip(next).ToList(), []);
        var result = new List<object?>();
        foreach (var item in Py.Iterate(value))
        {
            var subject = byAttribute ? Attribute(item, attribute) : item;
            bool passes = test is null ? Py.Truthy(subject) : Predicates.Apply(test, subject, testArgs);
            if (passes == keep) result.Add(item);
        }
        return result;
    }

    /// <summary>map(attribute="x", default=...) or map("filter", args...).</summary>
    private static object? Map(object? value, Arguments args)
    {
        if (args.Keyword.TryGetValue("attribute", out var attribute))
        {
            args.Keyword.TryGetValue("default", out var fallback);
            bool hasDefault = args.Keyword.ContainsKey("default");
            return Py.Iterate(value).Select(item =>
            {
                var v = Attribute(item, attribute);
                return v is Undefined && hasDefault ? fallback : v;
            }).ToList();
        }
        if (args.Positional.Count == 0) throw new TemplateRuntimeError("map() needs a filter name or attribute=");
        string filter = Py.ExpectString(args.Positional[0], "filter name");
        if (!Exists(filter)) throw new TemplateRuntimeError($"no filter named '{filter}'");
        var filterArgs = new Arguments(args.Positional.Skip(1).ToList(), args.Keyword);
        return Py.Iterate(value).Select(item => Apply(filter, item, filterArgs)).ToList();
    }

    private static object? Sort(object? value, Arguments args)
    {
        args.Check("sort", "reverse", "case_sensitive", "attribute");
        bool reverse = Py.Truthy(args.Get(0, "reverse", false)), caseSensitive = Py.Truthy(args.Get(1, "case_sensitive", false));
        var attribute = args.Get(2, "attribute");
        object? Key(object? item)
        {
            var k = attribute is null ? item : Attribute(item, attribute);
            return !caseSensitive && k is string s ? s.ToLowerInvariant() : k;
        }
        var items = Py.Iterate(value).Select(item => (Key: Key(item), Item: item)).ToList();
        // Stable in both directions, like Python's sort(reverse=True).
        var sorted = items.Order(Comparer<(object? Key, object? Item)>.Create((x, y) =>
            reverse ? Py.Compare(y.Key, x.Key, "<") : Py.Compare(x.Key, y.Key, "<")));
        return sorted.Select(p => p.Item).ToList();
    }

    private static object? Unique(object? value, Arguments args)
    {
        args.Check("unique", "case_sensitive", "attribute");
        bool caseSensitive = Py.Truthy(args.Get(0, "case_sensitive", false));
        var attribute = args.Get(1, "attribute");
        var seen = new JDict();
        var result = new List<object?>();
        foreach (var item in Py.Iterate(value))
        {
            var key = attribute is null ? item : Attribute(item, attribute);
            if (!caseSensitive && key is string s) key = s.ToLowerInvariant();
            if (key is null ? result.Any(r => r is null) : !seen.TryAdd(key, null)) continue;
            result.Add(item);
        }
        return result;
    }

    private static object? Extreme(object? value, Arguments args, string which)
    {
        args.Check(which, "case_sensitive", "attribute");
        bool caseSensitive = Py.Truthy(args.Get(0, "case_sensitive", false));
        var attribute = args.Get(1, "attribute");
        object? best = null, bestKey = null;
        bool any = false;
        foreach (var item in Py.Iterate(value))
        {
            var key = attribute is null ? item : Attribute(item, attribute);
            if (!caseSensitive && key is string s) key = s.ToLowerInvariant();
            int c = any ? Py.Compare(key, bestKey, "<") : 0;
            if (!any || (which == "min" ? c < 0 : c > 0))
            {
                best = item;
                bestKey = key;
                any = true;
            }
        }
        return any ? best : new Undefined($"No aggregated item, sequence was empty.");
    }

    private static object? Indent(object? value, Arguments args)
    {
        args.Check("indent", "width", "first", "blank");
        var width = args.Get(0, "width", 4L);
        string indentation = width is string w ? w : new string(' ', Py.ToInt(width, "width"));
        bool first = Py.Truthy(args.Get(1, "first", false)), blank = Py.Truthy(args.Get(2, "blank", false));
        var lines = Access.SplitLines(Py.Str(value) + "\n");
        string result;
        if (blank) result = string.Join("\n" + indentation, lines);
        else
        {
            result = lines.Count > 0 ? lines[0] : "";
            if (lines.Count > 1) result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indentation + line : line));
        }
        return first ? indentation + result : result;
    }

    private static string Title(string s)
    {
        // Jinja: capitalise each piece between runs of -, whitespace, (, {, [, <.
        var sb = new StringBuilder(s.Length);
        bool start = true;
        foreach (char c in s)
        {
            bool separator = c is '-' or '(' or '{' or '[' or '<' || Py.IsPySpace(c);
            sb.Append(separator ? c : start ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            start = separator;
        }
        return sb.ToString();
    }

    private static string Escape(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&#34;").Replace("'", "&#39;");
}
