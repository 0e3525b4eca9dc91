namespace Lep.Data.Tasks;

/// <summary>The default instructions for the built-in record layouts (documented in docs/eval.md): how `lep eval`
/// asks a task record, and how instruction data teaches it.</summary>
internal static class PromptTemplates
{
    public static string Copy(string text) => $"Repeat this text exactly:\n{text}";

    public static string MultipleChoice(string question) => $"Question: {question}\nAnswer:";

    public static string Translation(string source, string? sourceLang, string? targetLang) =>
        $"Translate from {LanguageName(sourceLang ?? "en")} to {LanguageName(targetLang ?? "ru")}:\n{source}";

    public static string Word(string english) => $"Translate the English word into Russian: {english}";

    public static string LanguageName(string code) => code.ToLowerInvariant() switch
    {
        "en" => "English",
        "ru" => "Russian",
        "uk" => "Ukrainian",
        "de" => "German",
        "fr" => "French",
        "es" => "Spanish",
        _ => code,
    };
}
