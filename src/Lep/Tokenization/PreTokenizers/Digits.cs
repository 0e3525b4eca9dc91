using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

/// <summary>Splits digits (Rust <c>char::is_numeric</c>) from the rest, individually or as runs.</summary>
internal sealed class Digits(bool individualDigits) : IPreTokenizer
{
    public bool IndividualDigits { get; } = individualDigits;

    public void Split(string text, bool atStart, List<Split> output)
    {
        var matches = new List<(int, int)>();
        Splitting.CharMatches(text, UnicodeProps.IsNumeric, matches);
        Splitting.Apply(text, atStart, matches, false, IndividualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, output);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "Digits");
        w.WriteBoolean("individual_digits", IndividualDigits);
        w.WriteEndObject();
    }
}
