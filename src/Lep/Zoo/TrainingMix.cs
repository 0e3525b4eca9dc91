using System.Text;
using Lep.Data;
using Lep.Data.Tasks;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Zoo;

/// <summary>What goes into a zoo training text besides the corpus's English (all of it).</summary>
internal sealed record TrainingMixOptions
{
    /// <summary>Russian documents are added until they make up this share of the characters.</summary>
    public required double RussianShare { get; init; }
    /// <summary>Share of documents followed by a repeated passage of theirs (<see cref="RepeatedPassages"/>).</summary>
    public double RepeatShare { get; init; }
    /// <summary>Share of the text's characters given to synthetic induction sequences (<see cref="InductionSequences"/>).</summary>
    public double InductionShare { get; init; }
    /// <summary>A `lep data tasks` dir: its train split as instruction-shaped plain text (none when null).</summary>
    public string? Tasks { get; init; }
    /// <summary>Share of the Russian-prompt task records in that text (English-prompt ones are all taken).</summary>
    public double TaskRussianShare { get; init; } = 1.0;
    /// <summary>"Repeat exactly: …" conversations added as plain text (with <see cref="Tasks"/>).</summary>
    public int CopyEnglish { get; init; }
    public int CopyRussian { get; init; }
    public int Seed { get; init; } = 1;
}

/// <summary>
/// The zoo's training texts: the corpus's English documents, then Russian ones until they make up a share of the
/// characters, repeated passages, and (optionally) instruction-shaped plain text, shuffled with the seed.
/// </summary>
internal static class TrainingMix
{
    /// <summary>Writes the mix to <paramref name="path"/> and returns a one-line account of it.</summary>
    public static string Write(string corpus, TrainingMixOptions options, string path)
    {
        var en = DocumentReader.Read(Path.Combine(corpus, "en_train.txt")).ToList();
        var ru = DocumentReader.Read(Path.Combine(corpus, "ru_train.txt")).ToList();
        long enChars = en.Sum(d => (long)d.Length);
        long ruBudget = (long)(enChars * options.RussianShare / (1 - options.RussianShare));
        // Spread the Russian pick over the whole file (its sources are in order): a seeded shuffle.
        var order = Enumerable.Range(0, ru.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var picked = new List<string>();
        long taken = 0;
        foreach (int i in order)
        {
            if (taken >= ruBudget) break;
            picked.Add(ru[i]);
            taken += ru[i].Length;
        }
        IReadOnlyList<string> extra = options.Tasks is string tasks ? InstructionShapedText(corpus, tasks, options) : [];
        var (all, repeatedChars) = RepeatedPassages.Add(en.Concat(picked), options.RepeatShare, options.Seed + 2);
        long natural = taken + enChars + repeatedChars;
        var (induction, inductionChars) = options.InductionShare > 0
            ? InductionSequences.Make(InductionSequences.Vocabulary(en.Concat(picked)), (long)(natural * options.InductionShare / (1 - options.InductionShare)), options.Seed + 4)
            : ([], 0);
        var shuffled = all.Concat(induction).Concat(extra).ToArray();
        new Random(options.Seed + 1).Shuffle(shuffled);
        File.WriteAllText(path, string.Join("\n\n", shuffled) + "\n", new UTF8Encoding(false));
        string repeats = options.RepeatShare > 0 ? $", {repeatedChars / (double)(taken + enChars + repeatedChars):P1} of the text repeated passages" : "";
        long extraChars = extra.Sum(d => (long)d.Length);
        double extraShare = extraChars / (double)(taken + enChars + repeatedChars + extraChars);
        string instructionShaped = extraChars > 0 ? $", {extra.Count:N0} instruction-shaped documents ({extraShare:P1} of the text)" : "";
        string inducing = inductionChars > 0 ? $", {induction.Count:N0} induction sequences ({inductionChars / (double)(natural + inductionChars):P1} of the text)" : "";
        return $"{en.Count:N0} English + {picked.Count:N0} Russian documents ({taken / (double)(taken + enChars):P1} Russian characters){repeats}{inducing}{instructionShaped}";
    }

    /// <summary>
    /// The task data's train split and copy examples rendered as "user\n…\nassistant\n…" without the chat tokens, as
    /// web-scale pre-training corpora hold Q&amp;A pages: the base learns the skills, instruction tuning only the format.
    /// </summary>
    private static List<string> InstructionShapedText(string corpus, string tasks, TrainingMixOptions options)
    {
        var records = InstructionData.Select(InstructionData.Read(Path.Combine(tasks, "train.jsonl")), options.TaskRussianShare, options.Seed + 3);
        return records.Select((r, i) => InstructionData.Conversation(r, i))
            .Concat(CopyConversations(corpus, options.CopyEnglish, options.CopyRussian, options.Seed + 3))
            .Select(InstructionData.PlainText).ToList();
    }

    /// <summary>"Repeat exactly: …" conversations on sentences of the training text, English then Russian.</summary>
    public static IEnumerable<List<ChatMessage>> CopyConversations(string corpus, int english, int russian, int seed)
    {
        foreach (var (lang, count) in new[] { ("en", english), ("ru", russian) })
        {
            if (count <= 0) continue;
            var source = new Lep.Calibration.CopyTaskSource(Path.Combine(corpus, $"{lang}_train.txt"), count) { Language = lang };
            foreach (var c in Lep.Calibration.CopyTask.Conversations(source, seed)) yield return c;
        }
    }
}
