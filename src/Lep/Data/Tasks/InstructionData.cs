namespace Lep.Data.Tasks;

/// <summary>
/// Task records (from `lep data tasks`) as chat conversations for instruction tuning. Multiple choice is taught the way
/// `lep eval` asks it (the question, then the right choice as the reply). Every second English copy and word-translation
/// item uses `lep eval`'s own wording for the bench files, so the instruct model knows both phrasings.
/// </summary>
internal static class InstructionData
{
    public static List<ChatMessage> Conversation(TaskRecord r, int index)
    {
        string prompt;
        string answer;
        if (r.IsMultipleChoice)
        {
            prompt = PromptTemplates.MultipleChoice(r.Question!);
            answer = r.Choices![r.AnswerIndex];
        }
        else
        {
            prompt = r.Prompt!;
            answer = r.Answer!;
            bool evalWording = index % 2 == 1 && r.Lang == "en";
            if (evalWording && r.Kind == "copy") prompt = PromptTemplates.Copy(answer);
            if (evalWording && r.Kind == "translate_en_ru" && r.TextLang == "en") prompt = PromptTemplates.Word(WordOf(r.Prompt!));
        }
        return [new ChatMessage("user", prompt), new ChatMessage("assistant", answer)];
    }

    /// <summary>
    /// A conversation as plain pre-training text: the chat template's lines without its special tokens
    /// ("user\nprompt\nassistant\nanswer"), one document (no empty line inside).
    /// </summary>
    public static string PlainText(List<ChatMessage> conversation) =>
        string.Join('\n', conversation.Select(m => $"{m.Role}\n{OneParagraph(m.Content)}"));

    private static string OneParagraph(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', lines);
    }

    /// <summary>The quoted word of a word-translation prompt (`... word "X" into ...`).</summary>
    private static string WordOf(string prompt)
    {
        int a = prompt.IndexOf('"'), b = prompt.LastIndexOf('"');
        return a >= 0 && b > a ? prompt[(a + 1)..b] : prompt;
    }

    /// <summary>The training records: every English-prompt record and a seeded share of the Russian-prompt ones.</summary>
    public static List<TaskRecord> Select(IEnumerable<TaskRecord> records, double russianShare, int seed)
    {
        var random = new Random(seed);
        return records.Where(r => r.Lang == "en" || random.NextDouble() < russianShare).ToList();
    }

    public static IEnumerable<TaskRecord> Read(string jsonlPath) =>
        File.ReadLines(jsonlPath).Where(l => l.Length > 0).Select(TaskRecord.Parse);
}
