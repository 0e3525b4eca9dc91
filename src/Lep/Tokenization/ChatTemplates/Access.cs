using System.Globalization;
using System.Text;

namespace Lep.Tokenization.ChatTemplates;

/// <summary>Attribute/item access, slicing and the Python methods templates call on strings, dicts and lists.</summary>
internal static class Access
{
    private static readonly HashSet<string> StringMethods =
    [
        "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit", "splitlines", "upper", "lower", "title",
        "capitalize", "replace", "find", "rfind", "index", "count", "join", "format", "isdigit", "isalpha", "isalnum",
        "isspace", "isupper", "islower",
    ];

    private static readonly HashSet<string> DictMethods = ["items", "keys", "values", "get"];
    private static readonly HashSet<string> ListMethods = ["index", "count"];

    /// <summary><c>obj.name</c>: a Python attribute (method) first, then the item.</summary>
    public static object? GetAttr(object? target, string name) => target switch
    {
        Undefined u => throw new TemplateRuntimeError(u.Hint),
        JDict d when DictMethods.Contains(name) => new BoundMethod(d, name),
        JDict d => d.TryGetValue(name, out var value) ? value : Undefined.Attribute(d, name),
        string s when StringMethods.Contains(name) => new BoundMethod(s, name),
        List<object?> l when ListMethods.Contains(name) => new BoundMethod(l, name),
        Namespace ns => ns.Attributes.TryGetValue(name, out var value) ? value : Undefined.Attribute(ns, name),
        LoopInfo loop => loop.Get(name),
        _ => Undefined.Attribute(target, name),
    };

    /// <summary><c>obj[key]</c>: the item first, then (for string keys) the attribute.</summary>
    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined u:
                throw new TemplateRuntimeError(u.Hint);
            case JDict d when key is not null && d.TryGetValue(key, out var value):
                return value;
            case List<object?> list when key is long or bool:
            {
                long i = Py.ToLong(key);
                if (i < 0) i += list.Count;
                return i >= 0 && i < list.Count ? list[(int)i] : Undefined.Attribute(list, key);
            }
            case string s when key is long or bool:
            {
                var chars = Py.HasSurrogates(s) ? Py.CodePoints(s).ToList() : null;
                int length = chars?.Count ?? s.Length;
                long i = Py.ToLong(key);
                if (i < 0) i += length;
                if (i < 0 || i >= length) return Undefined.Attribute(s, key);
                return chars is null ? s[(int)i].ToString() : chars[(int)i];
            }
        }
        return key is string name ? GetAttr(target, name) : Undefined.Attribute(target, key);
    }

    /// <summary>Python slicing of lists and strings (negative bounds, steps, reversal).</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        long stepValue = step is null ? 1 : Py.ToLong(step);
        if (stepValue == 0) throw new TemplateRuntimeError("slice step cannot be zero");
        switch (target)
        {
            case List<object?> list:
                return SliceIndices(list.Count, start, stop, stepValue).Select(i => list[i]).ToList();
            case string s:
                if (!Py.HasSurrogates(s))
                {
                    var sb = new StringBuilder();
                    foreach (int i in SliceIndices(s.Length, start, stop, stepValue)) sb.Append(s[i]);
                    return sb.ToString();
                }
                var points = Py.CodePoints(s).Cast<string>().ToList();
                return string.Concat(SliceIndices(points.Count, start, stop, stepValue).Select(i => points[i]));
            case Undefined u:
                throw new TemplateRuntimeError(u.Hint);
            default:
                throw new TemplateRuntimeError($"'{Py.TypeName(target)}' object is not subscriptable");
        }
    }

    private static IEnumerable<int> SliceIndices(int length, object? start, object? stop, long step)
    {
        long Clamp(object? bound, long defaultValue, long low, long high)
        {
            if (bound is null) return defaultValue;
            long v = Py.ToLong(bound);
            if (v < 0) v += length;
            return Math.Clamp(v, low, high);
        }

        if (step > 0)
        {
            long from = Clamp(start, 0, 0, length), to = Clamp(stop, length, 0, length);
            for (long i = from; i < to; i += step) yield return (int)i;
        }
        else
        {
            long from = Clamp(start, length - 1, -1, length - 1), to = Clamp(stop, -1, -1, length - 1);
            for (long i = from; i > to; i += step) yield return (int)i;
        }
    }

    public static object? CallMethod(BoundMethod method, Arguments args) => method.Target switch
    {
        string s => StringMethod(s, method.Name, args),
        JDict d => DictMethod(d, method.Name, args),
        List<object?> l => ListMethod(l, method.Name, args),
        LoopInfo loop when method.Name == "cycle" => args.Positional.Count == 0
            ? throw new TemplateRuntimeError("loop.cycle() needs at least one argument")
            : args.Positional[(int)(Py.ToLong(loop.Get("index0")) % args.Positional.Count)],
        _ => throw new TemplateRuntimeError($"'{Py.TypeName(method.Target)}' object has no method '{method.Name}'"),
    };

    private static object? DictMethod(JDict d, string name, Arguments args)
    {
        switch (name)
        {
            case "items":
                args.Check(name);
                return d.Select(p => (object?)new PyTuple([p.Key, p.Value])).ToList();
            case "keys":
                args.Check(name);
                return d.Keys.Cast<object?>().ToList();
            case "values":
                args.Check(name);
                return d.Values.ToList();
            default: // get
                args.Check(name, "key", "default");
                var key = args.Required(0, "key", name);
                return key is not null && d.TryGetValue(key, out var value) ? value : args.Get(1, "default");
        }
    }

    private static object? ListMethod(List<object?> list, string name, Arguments args)
    {
        args.Check(name, "value");
        var x = args.Required(0, "value", name);
        if (name == "count") return (long)list.Count(item => Py.Eq(item, x));
        int index = list.FindIndex(item => Py.Eq(item, x));
        return index >= 0 ? (long)index : throw new TemplateRuntimeError($"{Py.Repr(x)} is not in list");
    }

    private static object? StringMethod(string s, string name, Arguments args)
    {
        switch (name)
        {
            case "strip" or "lstrip" or "rstrip":
                args.Check(name, "chars");
                return Py.Strip(s, args.OptionalString(0, "chars", name), name != "rstrip", name != "lstrip");
            case "startswith" or "endswith":
            {
                args.Check(name, "prefix");
                var prefix = args.Required(0, "prefix", name);
                var candidates = prefix is List<object?> list ? list.Select(p => Py.ExpectString(p, name)) : [Py.ExpectString(prefix, name)];
                return candidates.Any(p => name == "startswith" ? s.StartsWith(p, StringComparison.Ordinal) : s.EndsWith(p, StringComparison.Ordinal));
            }
            case "split" or "rsplit":
            {
                args.Check(name, "sep", "maxsplit");
                string? sep = args.OptionalString(0, "sep", name);
                int maxSplit = Py.ToInt(args.Get(1, "maxsplit", -1L), "maxsplit");
                return Split(s, sep, maxSplit, name == "rsplit").Select(p => (object?)p).ToList();
            }
            case "splitlines":
                args.Check(name);
                return SplitLines(s).Select(p => (object?)p).ToList();
            case "upper":
                args.Check(name);
                return s.ToUpperInvariant();
            case "lower":
                args.Check(name);
                return s.ToLowerInvariant();
            case "title":
                args.Check(name);
                return PyTitle(s);
            case "capitalize":
                args.Check(name);
                return Capitalize(s);
            case "replace":
            {
                args.Check(name, "old", "new", "count");
                string old = Py.ExpectString(args.Required(0, "old", name), "old"), @new = Py.ExpectString(args.Required(1, "new", name), "new");
                return Replace(s, old, @new, Py.ToInt(args.Get(2, "count", -1L), "count"));
            }
            case "find" or "rfind" or "index" or "count":
            {
                args.Check(name, "sub");
                string sub = Py.ExpectString(args.Required(0, "sub", name), "sub");
                if (name == "count") return (long)(sub.Length == 0 ? s.Length + 1 : (s.Length - s.Replace(sub, "").Length) / sub.Length);
                int at = name == "rfind" ? s.LastIndexOf(sub, StringComparison.Ordinal) : s.IndexOf(sub, StringComparison.Ordinal);
                if (at < 0 && name == "index") throw new TemplateRuntimeError("substring not found");
                return (long)at;
            }
            case "join":
                args.Check(name, "iterable");
                return string.Join(s, Py.Iterate(args.Required(0, "iterable", name)).Select(item =>
                    item as string ?? throw new TemplateRuntimeError($"sequence item: expected str instance, {Py.TypeName(item)} found")));
            case "format":
                return Format(s, args);
            default:
                args.Check(name);
                if (s.Length == 0) return false;
                return name switch
                {
                    "isdigit" => s.All(char.IsDigit),
                    "isalpha" => s.All(char.IsLetter),
                    "isalnum" => s.All(char.IsLetterOrDigit),
                    "isspace" => s.All(Py.IsPySpace),
                    "isupper" => s.Any(char.IsLetter) && !s.Any(char.IsLower),
                    _ => s.Any(char.IsLetter) && !s.Any(char.IsUpper),
                };
        }
    }

    public static string Replace(string s, string old, string @new, int count)
    {
        if (count < 0) return old.Length == 0 ? string.Join(@new, ["", .. Py.CodePoints(s).Cast<string>(), ""]) : s.Replace(old, @new, StringComparison.Ordinal);
        var sb = new StringBuilder();
        int pos = 0;
        for (int n = 0; n < count && old.Length > 0; n++)
        {
            int at = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0) break;
            sb.Append(s, pos, at - pos).Append(@new);
            pos = at + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static List<string> Split(string s, string? sep, int maxSplit, bool fromRight)
    {
        if (sep is not null && sep.Length == 0) throw new TemplateRuntimeError("empty separator");
        var parts = new List<string>();
        if (sep is null)
        {
            // Runs of whitespace separate; leading/trailing whitespace yields no empty parts.
            var words = new List<(int Start, int End)>();
            int i = 0;
            while (i < s.Length)
            {
                while (i < s.Length && Py.IsPySpace(s[i])) i++;
                if (i >= s.Length) break;
                int start = i;
                while (i < s.Length && !Py.IsPySpace(s[i])) i++;
                words.Add((start, i));
            }
            if (maxSplit < 0 || words.Count <= maxSplit + 1) return words.Select(w => s[w.Start..w.End]).ToList();
            if (!fromRight)
            {
                parts.AddRange(words.Take(maxSplit).Select(w => s[w.Start..w.End]));
                parts.Add(Py.Strip(s[words[maxSplit].Start..], null, false, true));
            }
            else
            {
                int keep = words.Count - maxSplit;
                parts.Add(Py.Strip(s[..words[keep - 1].End], null, true, false));
                parts.AddRange(words.Skip(keep).Select(w => s[w.Start..w.End]));
            }
            return parts;
        }
        var all = s.Split(sep);
        if (maxSplit < 0 || all.Length <= maxSplit + 1) return [.. all];
        if (!fromRight) return [.. all.Take(maxSplit), string.Join(sep, all.Skip(maxSplit))];
        return [string.Join(sep, all.Take(all.Length - maxSplit)), .. all.Skip(all.Length - maxSplit)];
    }

    /// <summary>Python's <c>str.splitlines()</c> for \n, \r and \r\n.</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\n' or '\r')) continue;
            lines.Add(s[start..i]);
            if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    public static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string PyTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    /// <summary><c>str.format</c> with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs).</summary>
    private static string Format(string s, Arguments args)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            int end = s.IndexOf('}', i);
            if (end < 0) throw new TemplateRuntimeError("format(): single '{' encountered in format string");
            string field = s[(i + 1)..end];
            object? value;
            if (field.Length == 0) value = auto < args.Positional.Count ? args.Positional[auto++] : throw new TemplateRuntimeError("format(): not enough arguments");
            else if (int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                value = n < args.Positional.Count ? args.Positional[n] : throw new TemplateRuntimeError($"format(): no argument {n}");
            else value = args.Keyword.TryGetValue(field, out var kw) ? kw : throw new TemplateRuntimeError($"format(): no argument '{field}'");
            sb.Append(Py.Str(value));
            i = end;
        }
        return sb.ToString();
    }
}
