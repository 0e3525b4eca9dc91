using System.Text;
using System.Text.Json;

namespace Lep.Data;

/// <summary>The check every JSONL reader makes on a line before using its strings.</summary>
internal static class JsonLine
{
    /// <summary>
    /// Refuses a line whose strings hold an unpaired surrogate escape ("\ud800"): valid JSON, but no Unicode text, and
    /// System.Text.Json throws an InvalidOperationException the moment such a string is read. Malformed JSON is left
    /// to the caller's parse, which reports it.
    /// </summary>
    public static void RequireUnicodeStrings(string line, string where)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line));
        try
        {
            while (reader.Read())
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName) reader.GetString();
        }
        catch (JsonException)
        {
        }
        catch (InvalidOperationException)
        {
            throw new LepInputException(where, "a string holds an unpaired surrogate escape such as \\ud800, which is not Unicode text");
        }
    }
}
