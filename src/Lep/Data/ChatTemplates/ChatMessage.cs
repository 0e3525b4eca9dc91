namespace Lep.Data.ChatTemplates;

/// <summary>One turn of a conversation as chat templates see it: <c>{"role": Role, "content": Content}</c>.</summary>
public sealed record ChatMessage(string Role, string Content);
