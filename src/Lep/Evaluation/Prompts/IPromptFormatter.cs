namespace Lep.Evaluation.Prompts;

/// <summary>A demonstration for few-shot prompts: a prompt and its answer.</summary>
internal sealed record Shot(string Prompt, string Answer);

/// <summary>
/// Turns (demonstrations, prompt) into the text after which the model's answer begins. Base models get plain text,
/// instruct models their chat template. The answer (a choice, a generated reply) is appended directly.
/// </summary>
internal interface IPromptFormatter
{
    /// <summary>"plain" or "chat": recorded in results.json.</summary>
    string Name { get; }

    /// <summary>Whether encoding the formatted text should add the tokenizer's special tokens (BOS): plain yes, chat no
    /// (a chat template writes its own).</summary>
    bool AddSpecialTokens { get; }

    string Format(IReadOnlyList<Shot> shots, string prompt);
}
