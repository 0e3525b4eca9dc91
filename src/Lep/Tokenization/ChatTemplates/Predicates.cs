namespace Lep.Tokenization.ChatTemplates;

/// <summary>Jinja tests: <c>x is defined</c>, <c>x is none</c>, <c>x is string</c>, <c>n is divisibleby 3</c>, ...</summary>
internal static class Predicates
{
    private delegate bool Test(object? value, Arguments args);

    private static readonly Dictionary<string, Test> All = new()
    {
        ["defined"] = (v, _) => v is not Undefined,
        ["undefined"] = (v, _) => v is Undefined,
        ["none"] = (v, _) => v is null,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["number"] = (v, _) => v is long or double or bool,
        ["string"] = (v, _) => v is string,
        ["mapping"] = (v, _) => v is JDict,
        ["iterable"] = (v, _) => v is string or List<object?> or JDict or Undefined,
        ["sequence"] = (v, _) => v is string or List<object?> or JDict,
        ["callable"] = (v, _) => v is Callable or BoundMethod,
        ["even"] = (v, _) => Py.ToLong(v) % 2 == 0,
        ["odd"] = (v, _) => Py.ToLong(v) % 2 != 0,
        ["divisibleby"] = (v, a) => Py.ToLong(v) % Py.ToLong(Arg(a, "divisibleby")) == 0,
        ["eq"] = (v, a) => Py.Eq(v, Arg(a, "eq")),
        ["ne"] = (v, a) => !Py.Eq(v, Arg(a, "ne")),
        ["lt"] = (v, a) => Py.Compare(v, Arg(a, "lt"), "<") < 0,
        ["le"] = (v, a) => Py.Compare(v, Arg(a, "le"), "<=") <= 0,
        ["gt"] = (v, a) => Py.Compare(v, Arg(a, "gt"), ">") > 0,
        ["ge"] = (v, a) => Py.Compare(v, Arg(a, "ge"), ">=") >= 0,
        ["in"] = (v, a) => TemplateInterpreter.Contains(Arg(a, "in"), v),
        ["sameas"] = (v, a) => Arg(a, "sameas") is var other && (v is null || v is bool ? Py.Eq(v, other) && v?.GetType() == other?.GetType() : ReferenceEquals(v, other)),
        ["lower"] = (v, _) => v is string s && s == s.ToLowerInvariant(),
        ["upper"] = (v, _) => v is string s && s == s.ToUpperInvariant(),
        ["escaped"] = (_, _) => false,
    };

    static Predicates()
    {
        foreach (var (alias, name) in new[]
                 {
                     ("equalto", "eq"), ("==", "eq"), ("!=", "ne"), ("lessthan", "lt"), ("<", "lt"), ("<=", "le"),
                     ("greaterthan", "gt"), (">", "gt"), (">=", "ge"),
                 })
            All[alias] = All[name];
    }

    private static object? Arg(Arguments args, string test)
    {
        if (args.Positional.Count != 1 || args.Keyword.Count != 0)
            throw new TemplateRuntimeError($"test '{test}' takes exactly one argument");
        return args.Positional[0];
    }

    public static bool Exists(string name) => All.ContainsKey(name);

    public static bool Apply(string name, object? value, Arguments args)
    {
        if (!All.TryGetValue(name, out var test)) throw new TemplateRuntimeError($"no test named '{name}'");
        return test(value, args);
    }
}
