namespace Lep.Tokenization.ChatTemplates;

/// <summary>Recursive-descent parser over <see cref="Lexer"/> tokens, following Jinja's grammar and precedence.</summary>
internal sealed class Parser
{
    private static readonly HashSet<string> Reserved = ["and", "or", "not", "in", "is", "if", "else"];

    private readonly List<Token> _tokens;
    private int _pos;
    private int _loopDepth;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        var body = parser.ParseBody([], null, out _);
        return body;
    }

    // ---- token helpers ----

    private Token Current => _tokens[_pos];
    private Token Peek(int offset = 1) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];
    private Token Advance() => _tokens[_pos++];

    private static TemplateRuntimeError Error(Token at, string message) => new(message, at.Line, at.Column);

    private Token Expect(TokenKind kind, string? value = null, string? what = null)
    {
        var token = Current;
        if (token.Kind != kind || (value is not null && token.Value != value))
            throw Error(token, $"expected {what ?? (value is null ? kind.ToString() : $"'{value}'")}, got {token.Describe()}");
        return Advance();
    }

    private bool SkipOp(string op)
    {
        if (!Current.IsOp(op)) return false;
        _pos++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        _pos++;
        return true;
    }

    private string ExpectIdentifier(string what)
    {
        var token = Current;
        if (token.Kind != TokenKind.Name) throw Error(token, $"expected {what}, got {token.Describe()}");
        _pos++;
        return token.Value;
    }

    private void ExpectBlockEnd(string tag) => Expect(TokenKind.BlockEnd, what: $"'%}}' to close '{{% {tag} %}}'");

    // ---- statements ----

    /// <summary>Parses until one of <paramref name="ends"/> opens a block tag; leaves the position after that name.</summary>
    private List<Stmt> ParseBody(string[] ends, Token? opener, out string endName)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Text:
                    _pos++;
                    body.Add(new TextStmt(token.Value, token.Line, token.Column));
                    break;
                case TokenKind.VariableBegin:
                    _pos++;
                    var value = ParseTuple(allowCondition: true);
                    Expect(TokenKind.VariableEnd, what: "'}}'");
                    body.Add(new OutputStmt(value, token.Line, token.Column));
                    break;
                case TokenKind.BlockBegin:
                    var name = Peek();
                    if (name.Kind == TokenKind.Name && ends.Contains(name.Value))
                    {
                        _pos += 2;
                        endName = name.Value;
                        return body;
                    }
                    _pos++;
                    body.Add(ParseStatement(token));
                    break;
                case TokenKind.End:
                    if (opener is { } open)
                        throw Error(open, $"'{{% {_tokens[_tokens.IndexOf(open) + 1].Value} %}}' block is never closed " +
                                          $"(expected '{{% {ends[^1]} %}}' before the end of the template)");
                    endName = "";
                    return body;
                default:
                    throw Error(token, $"unexpected {token.Describe()}");
            }
        }
    }

    private Stmt ParseStatement(Token begin)
    {
        var keyword = Current;
        if (keyword.Kind != TokenKind.Name) throw Error(keyword, $"expected a tag name after '{{%', got {keyword.Describe()}");
        _pos++;
        switch (keyword.Value)
        {
            case "if": return ParseIf(begin);
            case "for": return ParseFor(begin);
            case "set": return ParseSet(begin);
            case "macro": return ParseMacro(begin);
            case "filter": return ParseFilterBlock(begin);
            case "with": return ParseWith(begin);
            case "generation":
            {
                ExpectBlockEnd("generation");
                var body = ParseBody(["endgeneration"], begin, out _);
                ExpectBlockEnd("endgeneration");
                return new GenerationStmt(body, begin.Line, begin.Column);
            }
            case "break" or "continue":
                if (_loopDepth == 0) throw Error(keyword, $"'{{% {keyword.Value} %}}' outside of a for loop");
                ExpectBlockEnd(keyword.Value);
                return keyword.Value == "break" ? new BreakStmt(begin.Line, begin.Column) : new ContinueStmt(begin.Line, begin.Column);
            default:
                if (keyword.Value.StartsWith("end", StringComparison.Ordinal) || keyword.Value is "else" or "elif")
                    throw Error(keyword, $"unexpected '{{% {keyword.Value} %}}' (no open block it could belong to)");
                throw Error(keyword, $"unknown or unsupported tag '{keyword.Value}'");
        }
    }

    private IfStmt ParseIf(Token begin)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        IReadOnlyList<Stmt>? elseBody = null;
        var test = ParseTuple(allowCondition: true);
        while (true)
        {
            ExpectBlockEnd("if");
            var body = ParseBody(["elif", "else", "endif"], begin, out string end);
            branches.Add((test, body));
            if (end == "elif")
            {
                test = ParseTuple(allowCondition: true);
                continue;
            }
            if (end == "else")
            {
                ExpectBlockEnd("else");
                elseBody = ParseBody(["endif"], begin, out _);
            }
            ExpectBlockEnd("endif");
            return new IfStmt(branches, elseBody, begin.Line, begin.Column);
        }
    }

    private ForStmt ParseFor(Token begin)
    {
        var (targets, unpack) = ParseTargets("for");
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(allowCondition: false);
        Expr? filter = null;
        if (SkipName("if")) filter = ParseTuple(allowCondition: true);
        if (Current.IsName("recursive")) throw Error(Current, "recursive for loops are not supported");
        ExpectBlockEnd("for");
        _loopDepth++;
        var body = ParseBody(["else", "endfor"], begin, out string end);
        _loopDepth--;
        IReadOnlyList<Stmt>? elseBody = null;
        if (end == "else")
        {
            ExpectBlockEnd("else");
            elseBody = ParseBody(["endfor"], begin, out _);
        }
        ExpectBlockEnd("endfor");
        return new ForStmt(targets, unpack, iterable, filter, body, elseBody, begin.Line, begin.Column);
    }

    private (List<string> Names, bool Unpack) ParseTargets(string tag)
    {
        bool parens = SkipOp("(");
        var names = new List<string> { ExpectIdentifier($"a variable name after '{tag}'") };
        bool unpack = parens;
        while (SkipOp(","))
        {
            unpack = true;
            if (Current.Kind != TokenKind.Name || Current.Value == "in") break;
            names.Add(ExpectIdentifier("a variable name"));
        }
        if (parens) Expect(TokenKind.Operator, ")");
        return (names, unpack);
    }

    private Stmt ParseSet(Token begin)
    {
        var first = Current;
        if (first.Kind == TokenKind.Name && Peek().IsOp("."))
        {
            string ns = Advance().Value;
            _pos++;
            string attribute = ExpectIdentifier("an attribute name");
            Expect(TokenKind.Operator, "=");
            var value = ParseTuple(allowCondition: true);
            ExpectBlockEnd("set");
            return new SetStmt([ns], false, attribute, value, begin.Line, begin.Column);
        }
        var (targets, unpack) = ParseTargets("set");
        if (SkipOp("="))
        {
            var value = ParseTuple(allowCondition: true);
            ExpectBlockEnd("set");
            return new SetStmt(targets, unpack, null, value, begin.Line, begin.Column);
        }
        if (unpack) throw Error(Current, "a block '{% set %}' assigns one name");
        ExpectBlockEnd("set");
        var body = ParseBody(["endset"], begin, out _);
        ExpectBlockEnd("endset");
        return new SetBlockStmt(targets[0], body, begin.Line, begin.Column);
    }

    private MacroStmt ParseMacro(Token begin)
    {
        string name = ExpectIdentifier("a macro name");
        var parameters = new List<(string, Expr?)>();
        Expect(TokenKind.Operator, "(");
        while (!SkipOp(")"))
        {
            if (parameters.Count > 0) Expect(TokenKind.Operator, ",");
            if (SkipOp(")")) break;
            string parameter = ExpectIdentifier("a parameter name");
            Expr? defaultValue = SkipOp("=") ? ParseExpression() : null;
            parameters.Add((parameter, defaultValue));
        }
        ExpectBlockEnd("macro");
        int loops = _loopDepth;
        _loopDepth = 0;
        var body = ParseBody(["endmacro"], begin, out _);
        _loopDepth = loops;
        ExpectBlockEnd("endmacro");
        return new MacroStmt(name, parameters, body, begin.Line, begin.Column);
    }

    private FilterBlockStmt ParseFilterBlock(Token begin)
    {
        var nameToken = Current;
        string name = ExpectIdentifier("a filter name");
        if (!Filters.Exists(name)) throw Error(nameToken, $"no filter named '{name}'");
        var args = Current.IsOp("(") ? ParseCallArgs() : CallArgs.None;
        ExpectBlockEnd("filter");
        var body = ParseBody(["endfilter"], begin, out _);
        ExpectBlockEnd("endfilter");
        return new FilterBlockStmt(name, args, body, begin.Line, begin.Column);
    }

    private WithStmt ParseWith(Token begin)
    {
        var assignments = new List<(string, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) Expect(TokenKind.Operator, ",");
            string name = ExpectIdentifier("a variable name");
            Expect(TokenKind.Operator, "=");
            assignments.Add((name, ParseExpression()));
        }
        ExpectBlockEnd("with");
        var body = ParseBody(["endwith"], begin, out _);
        ExpectBlockEnd("endwith");
        return new WithStmt(assignments, body, begin.Line, begin.Column);
    }

    // ---- expressions (lowest to highest precedence) ----

    /// <summary>An expression, or a tuple of them when separated by commas (becomes a list).</summary>
    private Expr ParseTuple(bool allowCondition)
    {
        var start = Current;
        var first = allowCondition ? ParseExpression() : ParseOr();
        if (!Current.IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (SkipOp(","))
        {
            if (Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd || Current.IsOp("=") || Current.IsOp(")")) break;
            items.Add(allowCondition ? ParseExpression() : ParseOr());
        }
        return new ListExpr(items, start.Line, start.Column, Tuple: true);
    }

    private Expr ParseExpression()
    {
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            var token = Advance();
            var test = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseExpression() : null;
            expr = new CondExpr(test, expr, otherwise, token.Line, token.Column);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var token = Advance();
            left = new BinaryExpr("or", left, ParseAnd(), token.Line, token.Column);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var token = Advance();
            left = new BinaryExpr("and", left, ParseNot(), token.Line, token.Column);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var token = Advance();
            return new UnaryExpr("not", ParseNot(), token.Line, token.Column);
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var start = Current;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.Operator && token.Value is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                _pos++;
                rest.Add((token.Value, ParseMath1()));
            }
            else if (token.IsName("in"))
            {
                _pos++;
                rest.Add(("in", ParseMath1()));
            }
            else if (token.IsName("not") && Peek().IsName("in"))
            {
                _pos += 2;
                rest.Add(("notin", ParseMath1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, start.Line, start.Column);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == TokenKind.Operator && Current.Value is "+" or "-")
        {
            var token = Advance();
            left = new BinaryExpr(token.Value, left, ParseConcat(), token.Line, token.Column);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMath2();
        while (Current.IsOp("~"))
        {
            var token = Advance();
            left = new BinaryExpr("~", left, ParseMath2(), token.Line, token.Column);
        }
        return left;
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var token = Advance();
            left = new BinaryExpr(token.Value, left, ParsePow(), token.Line, token.Column);
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOp("**"))
        {
            var token = Advance();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), token.Line, token.Column);
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        var token = Current;
        Expr node;
        if (token.IsOp("-") || token.IsOp("+"))
        {
            _pos++;
            node = new UnaryExpr(token.Value, ParseUnary(withFilter: false), token.Line, token.Column);
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        return withFilter ? ParseFilterChain(node) : node;
    }

    private Expr ParsePrimary()
    {
        var token = Advance();
        switch (token.Kind)
        {
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new ConstExpr(true, token.Line, token.Column),
                    "false" or "False" => new ConstExpr(false, token.Line, token.Column),
                    "none" or "None" => new ConstExpr(null, token.Line, token.Column),
                    _ when Reserved.Contains(token.Value) => throw Error(token, $"unexpected '{token.Value}'"),
                    _ => new NameExpr(token.Value, token.Line, token.Column),
                };
            case TokenKind.String:
                string text = (string)token.Literal!;
                while (Current.Kind == TokenKind.String) text += (string)Advance().Literal!;
                return new ConstExpr(text, token.Line, token.Column);
            case TokenKind.Integer or TokenKind.Float:
                return new ConstExpr(token.Literal, token.Line, token.Column);
            case TokenKind.Operator when token.Value == "(":
            {
                if (SkipOp(")")) return new ListExpr([], token.Line, token.Column, Tuple: true);
                var inner = ParseTuple(allowCondition: true);
                Expect(TokenKind.Operator, ")");
                return inner;
            }
            case TokenKind.Operator when token.Value == "[":
            {
                var items = new List<Expr>();
                while (!SkipOp("]"))
                {
                    if (items.Count > 0) Expect(TokenKind.Operator, ",");
                    if (SkipOp("]")) break;
                    items.Add(ParseExpression());
                }
                return new ListExpr(items, token.Line, token.Column);
            }
            case TokenKind.Operator when token.Value == "{":
            {
                var pairs = new List<(Expr, Expr)>();
                while (!SkipOp("}"))
                {
                    if (pairs.Count > 0) Expect(TokenKind.Operator, ",");
                    if (SkipOp("}")) break;
                    var key = ParseExpression();
                    Expect(TokenKind.Operator, ":");
                    pairs.Add((key, ParseExpression()));
                }
                return new DictExpr(pairs, token.Line, token.Column);
            }
            default:
                throw Error(token, $"unexpected {token.Describe()}");
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOp("."))
            {
                _pos++;
                var name = Advance();
                node = name.Kind switch
                {
                    TokenKind.Name => new AttrExpr(node, name.Value, node.Line, node.Column),
                    TokenKind.Integer => new ItemExpr(node, new ConstExpr(name.Literal, name.Line, name.Column), node.Line, node.Column),
                    _ => throw Error(name, $"expected an attribute name after '.', got {name.Describe()}"),
                };
            }
            else if (token.IsOp("["))
            {
                _pos++;
                node = ParseSubscript(node);
            }
            else if (token.IsOp("("))
                node = new CallExpr(node, ParseCallArgs(), node.Line, node.Column);
            else return node;
        }
    }

    private Expr ParseSubscript(Expr target)
    {
        Expr? start = null, stop = null, step = null;
        if (!Current.IsOp(":")) start = ParseExpression();
        if (!SkipOp(":"))
        {
            Expect(TokenKind.Operator, "]");
            return new ItemExpr(target, start!, target.Line, target.Column);
        }
        if (!Current.IsOp(":") && !Current.IsOp("]")) stop = ParseExpression();
        if (SkipOp(":") && !Current.IsOp("]")) step = ParseExpression();
        Expect(TokenKind.Operator, "]");
        return new SliceExpr(target, start, stop, step, target.Line, target.Column);
    }

    private CallArgs ParseCallArgs()
    {
        Expect(TokenKind.Operator, "(");
        var positional = new List<Expr>();
        var keyword = new List<(string, Expr)>();
        while (!SkipOp(")"))
        {
            if (positional.Count + keyword.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (SkipOp(")")) break;
            }
            if (Current.Kind == TokenKind.Name && Peek().IsOp("="))
            {
                string name = Advance().Value;
                _pos++;
                keyword.Add((name, ParseExpression()));
            }
            else
            {
                if (keyword.Count > 0) throw Error(Current, "positional argument follows keyword argument");
                positional.Add(ParseExpression());
            }
        }
        return new CallArgs(positional, keyword);
    }

    private Expr ParseFilterChain(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOp("|"))
            {
                _pos++;
                var nameToken = Current;
                string name = ExpectIdentifier("a filter name after '|'");
                if (!Filters.Exists(name)) throw Error(nameToken, $"no filter named '{name}'");
                var args = Current.IsOp("(") ? ParseCallArgs() : CallArgs.None;
                node = new FilterExpr(node, name, args, nameToken.Line, nameToken.Column);
            }
            else if (token.IsName("is"))
            {
                _pos++;
                bool negated = SkipName("not");
                var nameToken = Current;
                string name = nameToken.Kind == TokenKind.Name ? Advance().Value
                    : throw Error(nameToken, $"expected a test name after 'is', got {nameToken.Describe()}");
                if (!Predicates.Exists(name)) throw Error(nameToken, $"no test named '{name}'");
                CallArgs args = CallArgs.None;
                if (Current.IsOp("(")) args = ParseCallArgs();
                else if (Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                         || Current.IsOp("[") || Current.IsOp("{"))
                {
                    if (!(Current.Kind == TokenKind.Name && Reserved.Contains(Current.Value)))
                        args = new CallArgs([ParsePostfix(ParsePrimary())], []);
                }
                node = new TestExpr(node, name, args, negated, nameToken.Line, nameToken.Column);
            }
            else if (token.IsOp("("))
                node = new CallExpr(node, ParseCallArgs(), node.Line, node.Column);
            else return node;
        }
    }
}
