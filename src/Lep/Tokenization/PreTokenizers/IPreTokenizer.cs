using System.Text.Json;

namespace Lep.Tokenization.PreTokenizers;

/// <summary>A tokenizer.json pre-tokenizer: splits each piece of text into smaller pieces.</summary>
internal interface IPreTokenizer
{
    /// <summary>Splits one piece, appending the resulting non-empty pieces to <paramref name="output"/>.</summary>
    void Split(string text, bool atStart, List<Split> output);
    void WriteJson(Utf8JsonWriter w);
}

internal static class PreTokenizerExtensions
{
    /// <summary>Applies the pre-tokenizer to every piece that is not already a token.</summary>
    public static List<Split> Apply(this IPreTokenizer p, List<Split> input)
    {
        var output = new List<Split>(input.Count * 4);
        foreach (var s in input)
        {
            if (s.IsToken) output.Add(s);
            else p.Split(s.Text, s.AtStart, output);
        }
        return output;
    }
}
