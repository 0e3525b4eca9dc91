using System.Text;

namespace Lep.Evaluation.Prompts;

/// <summary>Base models: "prompt\nanswer" blocks separated by an empty line; the scored prompt ends with "\n".</summary>
internal sealed class PlainPromptFormatter : IPromptFormatter
{
    public static readonly PlainPromptFormatter Instance = new();

    public string Name => "plain";
    public bool AddSpecialTokens => true;

    public string Format(IReadOnlyList<Shot> shots, string prompt)
    {
        var sb = new StringBuilder();
        foreach (Shot s in shots) sb.Append(s.Prompt).Append('\n').Append(s.Answer).Append("\n\n");
        sb.Append(prompt).Append('\n');
        return sb.ToString();
    }
}
