using Lep.Data;
namespace Lep.Evaluation.Prompts;

/// <summary>
/// Instruct models: each demonstration is a user turn and an assistant turn, then the prompt as a user turn, rendered by
/// the model's chat template with the generation prompt added. The renderer is a delegate so this stays independent of
/// the template engine.
/// </summary>
internal sealed class ChatPromptFormatter(Func<IReadOnlyList<ChatMessage>, bool, string> render) : IPromptFormatter
{
    public string Name => "chat";
    public bool AddSpecialTokens => false;

    public string Format(IReadOnlyList<Shot> shots, string prompt)
    {
        var messages = new List<ChatMessage>();
        foreach (Shot s in shots)
        {
            messages.Add(new ChatMessage("user", s.Prompt));
            messages.Add(new ChatMessage("assistant", s.Answer));
        }
        messages.Add(new ChatMessage("user", prompt));
        return render(messages, true);
    }
}
