using System.Text;

namespace Lep.Tokenization.ChatTemplates;

/// <summary>
/// Walks the AST and writes the rendering. Scoping follows Jinja: each for-loop iteration and each macro call gets
/// its own scope (a <c>set</c> inside a loop does not leak out, which is what <c>namespace()</c> is for); <c>if</c>
/// blocks share the enclosing scope.
/// </summary>
internal sealed class TemplateInterpreter
{
    private const int MaxCallDepth = 200;
    private const int MaxRange = 100_000;

    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;
        public Dictionary<string, object?> Vars { get; } = new(StringComparer.Ordinal);

        public bool TryLookup(string name, out object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s.Vars.TryGetValue(name, out value)) return true;
            value = null;
            return false;
        }
    }

    private enum Flow { Normal, Break, Continue }

    private StringBuilder _out = new();
    private int _callDepth, _loopDepth;

    private TemplateInterpreter() { }

    public static string Render(IReadOnlyList<Stmt> body, IReadOnlyDictionary<string, object?> variables, Func<DateTime> clock)
    {
        var interpreter = new TemplateInterpreter();
        var globals = new Scope(null);
        interpreter.AddGlobals(globals, clock);
        var root = new Scope(globals);
        foreach (var (name, value) in variables) root.Vars[name] = Py.FromClr(value);
        interpreter.Exec(body, root);
        return interpreter._out.ToString();
    }

    // ---- globals ----

    private void AddGlobals(Scope globals, Func<DateTime> clock)
    {
        void Add(string name, Func<Arguments, object?> fn) =>
            globals.Vars[name] = new Callable(name, (positional, keyword) => fn(new Arguments(positional, keyword)));

        Add("raise_exception", a =>
            throw new TemplateRuntimeError($"raise_exception: {Py.Str(a.Check("raise_exception", "message").Get(0, "message", ""))}"));
        Add("strftime_now", a => Strftime.Format(clock(), Py.ExpectString(a.Check("strftime_now", "format").Required(0, "format", "strftime_now"), "format")));
        Add("range", a =>
        {
            if (a.Keyword.Count > 0 || a.Positional.Count is 0 or > 3) throw new TemplateRuntimeError("range() takes 1 to 3 positional arguments");
            var p = a.Positional.Select(v => Py.ToLong(v)).ToList();
            long start = p.Count > 1 ? p[0] : 0, stop = p.Count > 1 ? p[1] : p[0], step = p.Count > 2 ? p[2] : 1;
            if (step == 0) throw new TemplateRuntimeError("range() arg 3 must not be zero");
            var result = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step)
            {
                if (result.Count >= MaxRange) throw new TemplateRuntimeError($"range() with more than {MaxRange} items");
                result.Add(i);
            }
            return result;
        });
        Add("namespace", a =>
        {
            var ns = new Namespace();
            foreach (var initial in a.Positional)
            {
                if (initial is not JDict d) throw new TemplateRuntimeError("namespace() takes a dict or keyword arguments");
                foreach (var (key, value) in d) ns.Attributes[key] = value;
            }
            foreach (var (key, value) in a.Keyword) ns.Attributes[key] = value;
            return ns;
        });
        Add("dict", a =>
        {
            var d = new JDict();
            foreach (var initial in a.Positional)
            {
                if (initial is not JDict source) throw new TemplateRuntimeError("dict() takes a dict or keyword arguments");
                foreach (var (key, value) in source) d[key] = value;
            }
            foreach (var (key, value) in a.Keyword) d[key] = value;
            return d;
        });
    }

    // ---- statements ----

    private Flow Exec(IReadOnlyList<Stmt> body, Scope scope)
    {
        foreach (var stmt in body)
        {
            var flow = Exec(stmt, scope);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Exec(Stmt stmt, Scope scope)
    {
        switch (stmt)
        {
            case TextStmt text:
                _out.Append(text.Text);
                return Flow.Normal;
            case OutputStmt output:
                _out.Append(Py.Str(Eval(output.Value, scope)));
                return Flow.Normal;
            case IfStmt ifStmt:
                foreach (var (test, branch) in ifStmt.Branches)
                    if (Py.Truthy(Eval(test, scope))) return Exec(branch, scope);
                return ifStmt.Else is { } elseBody ? Exec(elseBody, scope) : Flow.Normal;
            case ForStmt forStmt:
                ExecFor(forStmt, scope);
                return Flow.Normal;
            case SetStmt set:
                ExecSet(set, scope);
                return Flow.Normal;
            case SetBlockStmt setBlock:
                scope.Vars[setBlock.Target] = Capture(setBlock.Body, scope);
                return Flow.Normal;
            case MacroStmt macro:
                scope.Vars[macro.Name] = MakeMacro(macro, scope);
                return Flow.Normal;
            case FilterBlockStmt filterBlock:
            {
                string body = Capture(filterBlock.Body, scope);
                try
                {
                    _out.Append(Py.Str(Filters.Apply(filterBlock.Filter, body, EvalArgs(filterBlock.Args, scope))));
                }
                catch (TemplateRuntimeError e) when (!e.Located)
                {
                    throw e.At(filterBlock.Line, filterBlock.Column);
                }
                return Flow.Normal;
            }
            case WithStmt with:
            {
                var inner = new Scope(scope);
                foreach (var (name, value) in with.Assignments) inner.Vars[name] = Eval(value, scope);
                return Exec(with.Body, inner);
            }
            case GenerationStmt generation:
                return Exec(generation.Body, scope);
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new TemplateRuntimeError($"unsupported statement {stmt.GetType().Name}", stmt.Line, stmt.Column);
        }
    }

    private string Capture(IReadOnlyList<Stmt> body, Scope scope)
    {
        var saved = _out;
        _out = new StringBuilder();
        try
        {
            Exec(body, scope);
            return _out.ToString();
        }
        finally
        {
            _out = saved;
        }
    }

    private void ExecFor(ForStmt loop, Scope scope)
    {
        var iterable = Eval(loop.Iterable, scope);
        List<object?> items;
        try
        {
            items = Py.Iterate(iterable).ToList();
        }
        catch (TemplateRuntimeError e) when (!e.Located)
        {
            throw e.At(loop.Iterable.Line, loop.Iterable.Column);
        }
        if (loop.Filter is { } filter)
        {
            items = items.Where(item =>
            {
                var probe = new Scope(scope);
                Bind(loop, probe, item);
                return Py.Truthy(Eval(filter, probe));
            }).ToList();
        }
        if (items.Count == 0)
        {
            if (loop.Else is { } elseBody) Exec(elseBody, scope);
            return;
        }
        _loopDepth++;
        try
        {
            for (int i = 0; i < items.Count; i++)
            {
                var iteration = new Scope(scope);
                Bind(loop, iteration, items[i]);
                iteration.Vars["loop"] = new LoopInfo
                {
                    Index0 = i,
                    Length = items.Count,
                    Depth0 = _loopDepth - 1,
                    HasPrevious = i > 0,
                    Previous = i > 0 ? items[i - 1] : null,
                    HasNext = i + 1 < items.Count,
                    Next = i + 1 < items.Count ? items[i + 1] : null,
                };
                if (Exec(loop.Body, iteration) == Flow.Break) break;
            }
        }
        finally
        {
            _loopDepth--;
        }
    }

    private static void Bind(ForStmt loop, Scope scope, object? item)
    {
        if (!loop.Unpack)
        {
            scope.Vars[loop.Targets[0]] = item;
            return;
        }
        Unpack(loop.Targets, item, scope, loop.Line, loop.Column);
    }

    private static void Unpack(IReadOnlyList<string> targets, object? value, Scope scope, int line, int column)
    {
        List<object?> values;
        try
        {
            values = Py.ToList(value);
        }
        catch (TemplateRuntimeError e)
        {
            throw new TemplateRuntimeError($"cannot unpack {Py.TypeName(value)}: {e.Message}", line, column);
        }
        if (values.Count != targets.Count)
            throw new TemplateRuntimeError(values.Count > targets.Count
                ? $"too many values to unpack (expected {targets.Count})"
                : $"not enough values to unpack (expected {targets.Count}, got {values.Count})", line, column);
        for (int i = 0; i < targets.Count; i++) scope.Vars[targets[i]] = values[i];
    }

    private void ExecSet(SetStmt set, Scope scope)
    {
        var value = Eval(set.Value, scope);
        if (set.Attribute is { } attribute)
        {
            string name = set.Targets[0];
            if (!scope.TryLookup(name, out var target) || target is not Namespace ns)
                throw new TemplateRuntimeError($"cannot assign attribute '{attribute}' on '{name}': it is not a namespace()", set.Line, set.Column);
            ns.Attributes[attribute] = value;
        }
        else if (set.Unpack) Unpack(set.Targets, value, scope, set.Line, set.Column);
        else scope.Vars[set.Targets[0]] = value;
    }

    private Callable MakeMacro(MacroStmt macro, Scope definingScope) =>
        new(macro.Name, (positional, keyword) =>
        {
            if (positional.Count > macro.Parameters.Count)
                throw new TemplateRuntimeError($"macro '{macro.Name}' takes not more than {macro.Parameters.Count} argument(s)");
            if (++_callDepth > MaxCallDepth) throw new TemplateRuntimeError($"macro '{macro.Name}': calls nested deeper than {MaxCallDepth}");
            int loops = _loopDepth;
            try
            {
                var scope = new Scope(definingScope);
                for (int i = 0; i < macro.Parameters.Count; i++)
                {
                    var (name, defaultValue) = macro.Parameters[i];
                    if (i < positional.Count)
                    {
                        if (keyword.ContainsKey(name)) throw new TemplateRuntimeError($"macro '{macro.Name}' got multiple values for argument '{name}'");
                        scope.Vars[name] = positional[i];
                    }
                    else if (keyword.TryGetValue(name, out var value)) scope.Vars[name] = value;
                    else scope.Vars[name] = defaultValue is null ? Undefined.Name(name) : Eval(defaultValue, scope);
                }
                foreach (var key in keyword.Keys)
                    if (!macro.Parameters.Any(p => p.Name == key))
                        throw new TemplateRuntimeError($"macro '{macro.Name}' takes no keyword argument '{key}'");
                _loopDepth = 0;
                return Capture(macro.Body, scope);
            }
            finally
            {
                _loopDepth = loops;
                _callDepth--;
            }
        });

    // ---- expressions ----

    private object? Eval(Expr expr, Scope scope)
    {
        try
        {
            return EvalCore(expr, scope);
        }
        catch (TemplateRuntimeError e) when (!e.Located)
        {
            throw e.At(expr.Line, expr.Column);
        }
        catch (OverflowException)
        {
            throw new TemplateRuntimeError("integer overflow (values beyond 64 bits are not supported)", expr.Line, expr.Column);
        }
    }

    private object? EvalCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case ConstExpr c:
                return c.Value;
            case NameExpr n:
                return scope.TryLookup(n.Name, out var value) ? value : Undefined.Name(n.Name);
            case ListExpr list:
                var items = list.Items.Select(item => Eval(item, scope));
                return list.Tuple ? new PyTuple(items) : items.ToList();
            case DictExpr dict:
            {
                var result = new JDict();
                foreach (var (keyExpr, valueExpr) in dict.Pairs)
                {
                    var key = Eval(keyExpr, scope);
                    if (key is null or Undefined or List<object?> or JDict)
                        throw new TemplateRuntimeError($"unhashable or unsupported dict key of type '{Py.TypeName(key)}'", keyExpr.Line, keyExpr.Column);
                    result[key] = Eval(valueExpr, scope);
                }
                return result;
            }
            case AttrExpr attr:
                return Access.GetAttr(Eval(attr.Target, scope), attr.Name);
            case ItemExpr item:
                return Access.GetItem(Eval(item.Target, scope), Eval(item.Key, scope));
            case SliceExpr slice:
                return Access.Slice(Eval(slice.Target, scope), EvalOptional(slice.Start, scope), EvalOptional(slice.Stop, scope), EvalOptional(slice.Step, scope));
            case CallExpr call:
                return Call(Eval(call.Callee, scope), EvalArgs(call.Args, scope));
            case FilterExpr filter:
                return Filters.Apply(filter.Name, Eval(filter.Value, scope), EvalArgs(filter.Args, scope));
            case TestExpr test:
                return Predicates.Apply(test.Name, Eval(test.Value, scope), EvalArgs(test.Args, scope)) != test.Negated;
            case UnaryExpr unary:
            {
                var operand = Eval(unary.Operand, scope);
                return unary.Op switch
                {
                    "not" => !Py.Truthy(operand),
                    "-" => operand is double d ? -d : (object)(-Py.ToLong(operand)),
                    _ => operand is double d ? d : (object)Py.ToLong(operand),
                };
            }
            case BinaryExpr binary:
            {
                var left = Eval(binary.Left, scope);
                switch (binary.Op)
                {
                    case "and": return Py.Truthy(left) ? Eval(binary.Right, scope) : left;
                    case "or": return Py.Truthy(left) ? left : Eval(binary.Right, scope);
                    case "~": return Py.Str(left) + Py.Str(Eval(binary.Right, scope));
                    default: return Arithmetic(binary.Op, left, Eval(binary.Right, scope));
                }
            }
            case CompareExpr compare:
            {
                var left = Eval(compare.First, scope);
                foreach (var (op, operandExpr) in compare.Rest)
                {
                    var right = Eval(operandExpr, scope);
                    bool ok = op switch
                    {
                        "==" => Py.Eq(left, right),
                        "!=" => !Py.Eq(left, right),
                        "<" => Py.Compare(left, right, op) < 0,
                        "<=" => Py.Compare(left, right, op) <= 0,
                        ">" => Py.Compare(left, right, op) > 0,
                        ">=" => Py.Compare(left, right, op) >= 0,
                        "in" => Contains(right, left),
                        _ => !Contains(right, left),
                    };
                    if (!ok) return false;
                    left = right;
                }
                return true;
            }
            case CondExpr cond:
                if (Py.Truthy(Eval(cond.Test, scope))) return Eval(cond.Then, scope);
                return cond.Else is { } otherwise
                    ? Eval(otherwise, scope)
                    : new Undefined($"the inline if-expression on line {cond.Line} evaluated to false and no else section was defined.");
            default:
                throw new TemplateRuntimeError($"unsupported expression {expr.GetType().Name}");
        }
    }

    private object? EvalOptional(Expr? expr, Scope scope) => expr is null ? null : Eval(expr, scope);

    private Arguments EvalArgs(CallArgs args, Scope scope)
    {
        if (args.Positional.Count == 0 && args.Keyword.Count == 0) return new Arguments([], []);
        var positional = args.Positional.Select(a => Eval(a, scope)).ToList();
        var keyword = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in args.Keyword)
            if (!keyword.TryAdd(name, Eval(value, scope))) throw new TemplateRuntimeError($"keyword argument repeated: {name}", value.Line, value.Column);
        return new Arguments(positional, keyword);
    }

    private static object? Call(object? callee, Arguments args) => callee switch
    {
        Callable c => c.Invoke(args.Positional, args.Keyword),
        BoundMethod m => Access.CallMethod(m, args),
        Undefined u => throw new TemplateRuntimeError(u.Hint),
        _ => throw new TemplateRuntimeError($"'{Py.TypeName(callee)}' object is not callable"),
    };

    public static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal)
            : throw new TemplateRuntimeError($"'in <string>' requires string as left operand, not {Py.TypeName(item)}"),
        List<object?> list => list.Any(x => Py.Eq(x, item)),
        JDict dict => item is not null && dict.ContainsKey(item),
        Namespace ns => item is not null && ns.Attributes.ContainsKey(item),
        Undefined => false,
        _ => throw new TemplateRuntimeError($"argument of type '{Py.TypeName(container)}' is not iterable"),
    };

    /// <summary>Python's + - * / // % ** on numbers, strings and lists.</summary>
    public static object? Arithmetic(string op, object? a, object? b)
    {
        if (a is Undefined ua) throw new TemplateRuntimeError(ua.Hint);
        if (b is Undefined ub) throw new TemplateRuntimeError(ub.Hint);
        bool numbers = Py.IsNumber(a) && Py.IsNumber(b), floats = a is double || b is double;
        switch (op)
        {
            case "+" when numbers: return floats ? (object)(Py.ToDouble(a) + Py.ToDouble(b)) : checked(Py.ToLong(a) + Py.ToLong(b));
            case "+" when a is string sa && b is string sb: return sa + sb;
            case "+" when a is List<object?> la && b is List<object?> lb: return new List<object?>([.. la, .. lb]);
            case "-" when numbers: return floats ? (object)(Py.ToDouble(a) - Py.ToDouble(b)) : checked(Py.ToLong(a) - Py.ToLong(b));
            case "*" when numbers: return floats ? (object)(Py.ToDouble(a) * Py.ToDouble(b)) : checked(Py.ToLong(a) * Py.ToLong(b));
            case "*" when (a is string or List<object?> && b is long or bool) || (b is string or List<object?> && a is long or bool):
            {
                var (sequence, count) = a is long or bool ? (b, Py.ToLong(a)) : (a, Py.ToLong(b));
                if (count * Math.Max(1, Py.Length(sequence)) > 10_000_000) throw new TemplateRuntimeError("repetition result is too large");
                return sequence is string s
                    ? string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, count)))
                    : Enumerable.Repeat((List<object?>)sequence!, (int)Math.Max(0, count)).SelectMany(x => x).ToList();
            }
            case "/" when numbers:
                return Py.ToDouble(b) == 0 ? throw new TemplateRuntimeError("division by zero") : Py.ToDouble(a) / Py.ToDouble(b);
            case "//" when numbers:
                if (Py.ToDouble(b) == 0) throw new TemplateRuntimeError("integer division or modulo by zero");
                if (floats) return Math.Floor(Py.ToDouble(a) / Py.ToDouble(b));
                return FloorDiv(Py.ToLong(a), Py.ToLong(b));
            case "%" when numbers:
                if (Py.ToDouble(b) == 0) throw new TemplateRuntimeError("integer division or modulo by zero");
                if (floats)
                {
                    double x = Py.ToDouble(a), y = Py.ToDouble(b), r = x % y;
                    return r != 0 && (r < 0) != (y < 0) ? r + y : r;
                }
                long la2 = Py.ToLong(a), lb2 = Py.ToLong(b);
                return la2 - lb2 * FloorDiv(la2, lb2);
            case "**" when numbers:
                if (!floats && Py.ToLong(b) >= 0)
                {
                    long result = 1, @base = Py.ToLong(a), exponent = Py.ToLong(b);
                    for (; exponent > 0; exponent >>= 1)
                    {
                        if ((exponent & 1) != 0) result = checked(result * @base);
                        if (exponent > 1) @base = checked(@base * @base);
                    }
                    return result;
                }
                return Math.Pow(Py.ToDouble(a), Py.ToDouble(b));
        }
        throw new TemplateRuntimeError($"unsupported operand type(s) for {op}: '{Py.TypeName(a)}' and '{Py.TypeName(b)}'");
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}
