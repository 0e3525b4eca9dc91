using Lep.Data;
using Lep.Tokenization;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Training;

/// <summary>
/// Turns conversations into SFT documents: the chat template renders them, and only assistant turns (their text and
/// the end-of-turn marker the template puts after them) are learned. Each turn is tokenised as its own segment —
/// prompt with the generation prompt, then the reply — which is exactly how the model sees it when generating.
/// Special tokens come from the template text (as transformers' apply_chat_template does), not from the tokenizer.
/// </summary>
internal static class ChatDocuments
{
    public static TrainingDocument Encode(Tokenizer tokenizer, ChatTemplate template, IReadOnlyList<ChatMessage> conversation)
    {
        var tokens = new List<int>();
        var learn = new List<bool>();
        string rendered = "";
        void Append(string text, bool learned)
        {
            if (text.Length == 0) return;
            int[] ids = tokenizer.Encode(text, addSpecialTokens: false);
            tokens.AddRange(ids);
            learn.AddRange(Enumerable.Repeat(learned, ids.Length));
            rendered += text;
        }

        for (int k = 0; k < conversation.Count; k++)
        {
            if (conversation[k].Role != "assistant") continue;
            string prompt = template.Render(conversation.Take(k).ToList(), addGenerationPrompt: true);
            string withReply = template.Render(conversation.Take(k + 1).ToList(), addGenerationPrompt: false);
            if (!prompt.StartsWith(rendered, StringComparison.Ordinal) || !withReply.StartsWith(prompt, StringComparison.Ordinal))
                throw new LepInputException(template.Name, "the chat template does not render conversations incrementally (a later turn changes earlier text), so assistant " +
                    "turns cannot be isolated");
            Append(prompt[rendered.Length..], learned: false);
            Append(withReply[prompt.Length..], learned: true);
        }
        string full = template.Render(conversation, addGenerationPrompt: false);
        if (full.StartsWith(rendered, StringComparison.Ordinal)) Append(full[rendered.Length..], learned: false);
        return new TrainingDocument(tokens.ToArray(), learn.ToArray());
    }
}
