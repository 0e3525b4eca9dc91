namespace Lep.Tokenization.ChatTemplates;

// ---- Expressions ----

internal abstract record Expr(int Line, int Column);

internal sealed record ConstExpr(object? Value, int Line, int Column) : Expr(Line, Column);
internal sealed record NameExpr(string Name, int Line, int Column) : Expr(Line, Column);
internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line, int Column, bool Tuple = false) : Expr(Line, Column);
internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Pairs, int Line, int Column) : Expr(Line, Column);
internal sealed record AttrExpr(Expr Target, string Name, int Line, int Column) : Expr(Line, Column);
internal sealed record ItemExpr(Expr Target, Expr Key, int Line, int Column) : Expr(Line, Column);
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line, int Column) : Expr(Line, Column);
internal sealed record CallExpr(Expr Callee, CallArgs Args, int Line, int Column) : Expr(Line, Column);
internal sealed record FilterExpr(Expr Value, string Name, CallArgs Args, int Line, int Column) : Expr(Line, Column);
internal sealed record TestExpr(Expr Value, string Name, CallArgs Args, bool Negated, int Line, int Column) : Expr(Line, Column);
internal sealed record UnaryExpr(string Op, Expr Operand, int Line, int Column) : Expr(Line, Column);
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);
internal sealed record CompareExpr(Expr First, IReadOnlyList<(string Op, Expr Operand)> Rest, int Line, int Column) : Expr(Line, Column);
internal sealed record CondExpr(Expr Test, Expr Then, Expr? Else, int Line, int Column) : Expr(Line, Column);

internal sealed record CallArgs(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Keyword)
{
    public static readonly CallArgs None = new([], []);
}

// ---- Statements ----

internal abstract record Stmt(int Line, int Column);

internal sealed record TextStmt(string Text, int Line, int Column) : Stmt(Line, Column);
internal sealed record OutputStmt(Expr Value, int Line, int Column) : Stmt(Line, Column);
internal sealed record IfStmt(IReadOnlyList<(Expr Test, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt>? Else, int Line, int Column) : Stmt(Line, Column);

internal sealed record ForStmt(IReadOnlyList<string> Targets, bool Unpack, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body,
    IReadOnlyList<Stmt>? Else, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% set a = x %}</c>, <c>{% set a, b = x %}</c> (Unpack) or <c>{% set ns.attr = x %}</c> (Attribute).</summary>
internal sealed record SetStmt(IReadOnlyList<string> Targets, bool Unpack, string? Attribute, Expr Value, int Line, int Column) : Stmt(Line, Column);

internal sealed record SetBlockStmt(string Target, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);
internal sealed record MacroStmt(string Name, IReadOnlyList<(string Name, Expr? Default)> Parameters, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);
internal sealed record FilterBlockStmt(string Filter, CallArgs Args, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);
internal sealed record WithStmt(IReadOnlyList<(string Name, Expr Value)> Assignments, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

/// <summary>HF's <c>{% generation %}...{% endgeneration %}</c> (marks assistant text); renders its body.</summary>
internal sealed record GenerationStmt(IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

internal sealed record BreakStmt(int Line, int Column) : Stmt(Line, Column);
internal sealed record ContinueStmt(int Line, int Column) : Stmt(Line, Column);
