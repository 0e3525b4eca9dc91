namespace Lep.Tokenization.ChatTemplates;

/// <summary>
/// An error raised while parsing or rendering a template, before it is tied to a place in the source. The interpreter
/// stamps the innermost expression's line/column on it; <see cref="ChatTemplate"/> turns it into a
/// <see cref="LepInputException"/> naming the template.
/// </summary>
internal sealed class TemplateRuntimeError : Exception
{
    public int Line { get; }
    public int Column { get; }
    public bool Located => Line > 0;

    public TemplateRuntimeError(string message, int line = 0, int column = 0) : base(message)
    {
        Line = line;
        Column = column;
    }

    public TemplateRuntimeError At(int line, int column) => new(Message, line, column);

    public LepInputException ToInputException(string templateName) =>
        new(templateName, Located ? $"line {Line}, column {Column}: {Message}" : Message, this);
}
