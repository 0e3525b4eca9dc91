using System.Text.Json;
using Lep.Data;
using Lep.Data.Tasks;

namespace Lep.Calibration;

/// <summary>
/// Reads the calibration inputs that are conversations or prompts. Every bad line is a <see cref="LepInputException"/>
/// naming "file:line"; empty lines are skipped.
/// </summary>
internal static class ConversationFiles
{
    /// <summary>
    /// An SFT dataset, one conversation per JSONL line: <c>{"messages": [{"role", "content"}, ...]}</c> (at least one
    /// assistant turn), <c>{"prompt", "response"}</c>, or a task record written by `lep data tasks`.
    /// </summary>
    public static List<List<ChatMessage>> ReadSft(string path)
    {
        var conversations = new List<List<ChatMessage>>();
        foreach (var (line, where) in JsonLines(path))
        {
            using JsonDocument doc = Parse(line, where);
            JsonElement root = doc.RootElement;
            List<ChatMessage> conversation;
            if (root.TryGetProperty("messages", out JsonElement messages))
            {
                conversation = Messages(messages, where);
                if (!conversation.Any(m => m.Role == "assistant")) throw new LepInputException(where, "the conversation has no assistant turn (nothing to learn)");
            }
            else if (root.TryGetProperty("prompt", out _) && root.TryGetProperty("response", out _))
            {
                conversation = [new ChatMessage("user", Text(root, "prompt", where)), new ChatMessage("assistant", Text(root, "response", where))];
            }
            else if (root.TryGetProperty("kind", out _))
            {
                TaskRecord record;
                try
                {
                    record = TaskRecord.Parse(line);
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
                {
                    throw new LepInputException(where, $"not a valid task record ({e.Message.Split('\n')[0]})");
                }
                if ((record.IsMultipleChoice && (record.Question is null || record.AnswerIndex < 0 || record.AnswerIndex >= record.Choices!.Count))
                    || (!record.IsMultipleChoice && (record.Prompt is null || record.Answer is null)))
                    throw new LepInputException(where, "a task record needs prompt + answer, or question + choices + a valid answer index");
                conversation = InstructionData.Conversation(record, conversations.Count);
            }
            else
            {
                throw new LepInputException(where, "expected {\"messages\": [...]}, {\"prompt\": ..., \"response\": ...} or a task record");
            }
            conversations.Add(conversation);
        }
        if (conversations.Count == 0) throw new LepInputException(path, "no conversations (the file is empty)");
        return conversations;
    }

    /// <summary>
    /// Prompts for the teacher: .txt — one user prompt per non-empty line; .jsonl — <c>{"prompt": ...}</c> or
    /// <c>{"messages": [...]}</c> (trailing assistant turns are dropped: the teacher writes the reply).
    /// </summary>
    public static List<List<ChatMessage>> ReadPrompts(string path)
    {
        var prompts = new List<List<ChatMessage>>();
        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(path)) throw new LepInputException(path, "file not found");
            foreach (string line in File.ReadLines(path))
            {
                if (line.Trim().Length > 0) prompts.Add([new ChatMessage("user", line.Trim())]);
            }
        }
        else
        {
            foreach (var (line, where) in JsonLines(path))
            {
                using JsonDocument doc = Parse(line, where);
                JsonElement root = doc.RootElement;
                List<ChatMessage> messages;
                if (root.TryGetProperty("messages", out JsonElement m)) messages = Messages(m, where);
                else if (root.TryGetProperty("prompt", out _)) messages = [new ChatMessage("user", Text(root, "prompt", where))];
                else throw new LepInputException(where, "expected {\"prompt\": ...} or {\"messages\": [...]}");
                while (messages.Count > 0 && messages[^1].Role == "assistant") messages.RemoveAt(messages.Count - 1);
                if (messages.Count == 0) throw new LepInputException(where, "no prompt left once the assistant turns are dropped");
                prompts.Add(messages);
            }
        }
        if (prompts.Count == 0) throw new LepInputException(path, "no prompts (the file is empty)");
        return prompts;
    }

    private static IEnumerable<(string Line, string Where)> JsonLines(string path)
    {
        if (!File.Exists(path)) throw new LepInputException(path, "file not found");
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length > 0) yield return (line, $"{path}:{number}");
        }
    }

    private static JsonDocument Parse(string line, string where)
    {
        JsonDocument doc;
        Data.JsonLine.RequireUnicodeStrings(line, where);
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new LepInputException(where, $"invalid JSON ({e.Message.Split('\n')[0]})");
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new LepInputException(where, "expected a JSON object");
        }
        return doc;
    }

    private static string Text(JsonElement o, string key, string where) =>
        o.GetProperty(key) is { ValueKind: JsonValueKind.String } v ? v.GetString()! : throw new LepInputException(where, $"\"{key}\" must be a string");

    private static List<ChatMessage> Messages(JsonElement messages, string where)
    {
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw new LepInputException(where, "\"messages\" must be a non-empty list");
        var list = new List<ChatMessage>();
        foreach (JsonElement m in messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String
                || !m.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
                throw new LepInputException(where, "every message needs a string \"role\" and \"content\"");
            string r = role.GetString()!;
            if (r is not ("system" or "user" or "assistant")) throw new LepInputException(where, $"unknown role '{r}' (expected system, user or assistant)");
            list.Add(new ChatMessage(r, content.GetString()!));
        }
        return list;
    }
}
