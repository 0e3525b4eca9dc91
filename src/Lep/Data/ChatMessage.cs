namespace Lep.Data;

/// <summary>One turn of a conversation (instruction data, conversation files) as chat templates see it: <c>{"role": Role, "content": Content}</c>.</summary>
public sealed record ChatMessage(string Role, string Content);
