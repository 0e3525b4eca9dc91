using Lep.Data;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Tests.Tokenization.ChatTemplates;

/// <summary>Every error names the template and the line (and column) it comes from.</summary>
public class TemplateErrorTests
{
    private static LepInputException ParseError(string source) =>
        Assert.Throws<LepInputException>(() => ChatTemplate.Parse(source, "my_template"));

    private static LepInputException RenderError(string source, Dictionary<string, object?>? variables = null) =>
        Assert.Throws<LepInputException>(() => ChatTemplate.Parse(source, "my_template").Render(variables ?? []));

    [Fact]
    public void UnclosedBlockNamesTheOpeningTag()
    {
        var e = ParseError("line one\n{% for m in messages %}\n{{ m.content }}\n");
        Assert.Equal("my_template", e.Path);
        Assert.StartsWith("my_template: line 2, column 1:", e.Message);
        Assert.Contains("'{% for %}' block is never closed", e.Message);
        Assert.Contains("endfor", e.Message);

        Assert.Contains("line 1, column 4", ParseError("ab {% if x %}{% for y in z %}{% endfor %}").Message);
    }

    [Fact]
    public void UnclosedTagsStringsAndComments()
    {
        Assert.Contains("line 2, column 3: unclosed tag", ParseError("a\nb {{ x ").Message);
        Assert.Contains("line 1, column 4: unterminated string literal", ParseError("{{ 'abc }}").Message);
        Assert.Contains("line 3, column 1: unclosed comment", ParseError("\n\n{# never closed").Message);
        Assert.Contains("unclosed '{% raw %}' block", ParseError("{% raw %}x").Message);
    }

    [Fact]
    public void UnknownFilterTestAndTag()
    {
        var filter = ParseError("ok\n{{ messages | shout }}");
        Assert.Equal("my_template: line 2, column 15: no filter named 'shout'", filter.Message);
        Assert.Contains("line 1, column 9: no test named 'shiny'", ParseError("{{ x is shiny }}").Message);
        Assert.Contains("line 1, column 4: unknown or unsupported tag 'frobnicate'", ParseError("{% frobnicate %}").Message);
        Assert.Contains("unexpected '{% endif %}'", ParseError("{% endif %}").Message);
        Assert.Contains("'{% break %}' outside of a for loop", ParseError("{% break %}").Message);
    }

    [Fact]
    public void SyntaxErrors()
    {
        Assert.Contains("line 1, column 8: unexpected '}}'", ParseError("{{ 1 + }}").Message);
        Assert.Contains("line 1, column 9: expected '%}' to close '{% if %}'", ParseError("{% if x y %}{% endif %}").Message);
    }

    [Fact]
    public void RaiseExceptionCarriesTheMessageAndLine()
    {
        var e = RenderError("{% for m in messages %}\n  {% if m.role == 'tool' %}\n    {{ raise_exception('Tool messages are not supported') }}\n  {% endif %}\n{% endfor %}",
            new() { ["messages"] = new[] { new ChatMessage("user", "a"), new ChatMessage("tool", "b") } });
        Assert.Equal("my_template", e.Path);
        Assert.Equal("my_template: line 3, column 8: raise_exception: Tool messages are not supported", e.Message);
    }

    [Fact]
    public void RuntimeErrorsAreLocated()
    {
        Assert.Equal("my_template: line 2, column 4: 'missing' is undefined", RenderError("ok\n{{ missing.attr }}").Message);
        Assert.Contains("line 1, column 8: unsupported operand type(s) for +: 'str' and 'int'", RenderError("{{ 'a' + 1 }}").Message);
        Assert.Contains("'int' object is not iterable", RenderError("{% for x in 5 %}{% endfor %}").Message);
        Assert.Contains("cannot assign attribute 'x' on 'v'", RenderError("{% set v = 1 %}{% set v.x = 2 %}").Message);
        Assert.Contains("division by zero", RenderError("{{ 1 / 0 }}").Message);
        Assert.Contains("not enough values to unpack", RenderError("{% for a, b in [[1]] %}{% endfor %}").Message);
    }
}

public class TokenizerConfigFlagTests
{
    [Fact]
    public void AddBosTokenFlagIsNotMistakenForAToken()
    {
        using var dir = new Lep.Tests.Support.TempDir();
        string path = dir.File("tokenizer_config.json");
        File.WriteAllText(path, """{"bos_token":"<s>","add_bos_token":true,"add_eos_token":false,"chat_template":"{{ bos_token }}{{ messages[0]['content'] }}"}""");
        var template = Lep.Tokenization.ChatTemplates.ChatTemplate.FromTokenizerConfig(path);
        Assert.Equal("<s>hi", template.Render([new("user", "hi")], false));
    }
}
