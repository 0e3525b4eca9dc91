using Lep.Data;
using Lep.Data.Tasks;

namespace Lep.Calibration;

/// <summary>
/// The "+copy task" of the LEP paper: the user asks to repeat a sentence and the assistant repeats it verbatim — the
/// skill a propagated model loses first (DaruCopy). Sentences are the complete sentences of a text file (split at
/// . ! ? … before a capital, wrapped lines joined) of 1..MaxWords words, de-duplicated, shuffled with the seed.
/// </summary>
internal static class CopyTask
{
    /// <summary>The copy prompt of the task data (`lep data tasks`), so calibration teaches what the evaluation asks.</summary>
    public static string Prompt(string sentence, string language) => language is "en" or "ru"
        ? TaskGenerator.CopyPrompt(language, sentence)
        : throw new ArgumentException($"unknown copy-task language '{language}' (expected en or ru)");

    public static List<List<ChatMessage>> Conversations(CopyTaskSource source, long seed)
    {
        if (source.Count <= 0) throw new ArgumentException("the copy-task count must be > 0");
        if (source.MaxWords <= 0) throw new ArgumentException("the copy-task sentence length must be > 0 words");
        Prompt("", source.Language);
        if (!File.Exists(source.Text)) throw new LepInputException(source.Text, "file not found");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sentences = new List<string>();
        foreach (string document in DocumentReader.Read(source.Text))
        {
            string[] lines = document.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (string? s in Sentences.Split(lines))
            {
                if (s is null || Sentences.WordCount(s) > source.MaxWords) continue;
                if (seen.Add(s)) sentences.Add(s);
            }
        }
        if (sentences.Count == 0)
            throw new LepInputException(source.Text, $"no complete sentences of at most {source.MaxWords} words for the copy task");
        // A stable seeded order (System.Random with an explicit seed is the same on every run and platform).
        string[] order = sentences.ToArray();
        new Random(unchecked((int)seed ^ (int)(seed >> 32))).Shuffle(order);
        return order.Take(source.Count)
            .Select(s => new List<ChatMessage> { new("user", Prompt(s, source.Language)), new("assistant", s) })
            .ToList();
    }
}
