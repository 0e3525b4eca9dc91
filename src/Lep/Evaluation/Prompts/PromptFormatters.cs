using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Options;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Evaluation.Prompts;

/// <summary>How prompts are rendered: <c>auto</c> (chat when tokenizer_config.json has a chat_template), <c>chat</c>, <c>plain</c>.</summary>
public enum PromptMode
{
    /// <summary>Chat when the model's tokenizer_config.json has a chat_template, plain otherwise.</summary>
    Auto,
    /// <summary>Every prompt through the model's chat template (an error without one).</summary>
    Chat,
    /// <summary>Prompts as plain text, no template.</summary>
    Plain,
}

internal static class PromptFormatters
{
    public static IPromptFormatter ForModel(string modelDir, PromptMode mode)
    {
        if (mode == PromptMode.Plain) return PlainPromptFormatter.Instance;
        string config = Path.Combine(modelDir, "tokenizer_config.json");
        bool hasTemplate = (File.Exists(config) && JsonFile.ReadObject(config)["chat_template"] is JsonNode)
            || File.Exists(Path.Combine(modelDir, "chat_template.jinja"));
        if (!hasTemplate)
        {
            if (mode == PromptMode.Chat) throw new OptionException($"{config}: {EvalSchema.Prompt.Is("chat")}, but the model has no chat_template");
            return PlainPromptFormatter.Instance;
        }
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(config);
        return new ChatPromptFormatter((messages, addGenerationPrompt) => template.Render(messages, addGenerationPrompt));
    }
}
