namespace Lep.Evaluation.Tasks;

/// <summary>One thing to evaluate; <see cref="Line"/> is the 1-based line (or record number) in the task file.</summary>
public abstract record EvalItem(string Id, int Line);

/// <summary>Pick one of <see cref="Choices"/> after <see cref="Prompt"/>, scored by log-likelihood.</summary>
public sealed record ChoiceItem(string Id, int Line, string Prompt, IReadOnlyList<string> Choices, int Answer) : EvalItem(Id, Line);

/// <summary>Generate a reply to <see cref="Prompt"/>; any of <see cref="References"/> is right.</summary>
public sealed record GenerationItem(string Id, int Line, string Prompt, IReadOnlyList<string> References) : EvalItem(Id, Line);

/// <summary>A whole document for language modelling (bits per character).</summary>
public sealed record DocumentItem(string Id, int Line, string Text) : EvalItem(Id, Line);
