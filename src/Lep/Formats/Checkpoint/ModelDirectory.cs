namespace Lep.Formats.Checkpoint;

/// <summary>The non-weight files of an HF model dir that travel with a model from stage to stage.</summary>
public static class ModelDirectory
{
    /// <summary>The tokenizer's files, and alignment.json: how its vocabulary maps to the one it was made from.</summary>
    public static readonly string[] TokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "tokenizer.model", "chat_template.jinja", "chat_template.json", "alignment.json",
    ];

    /// <summary>The tokenizer files and generation_config.json: what a trained model dir carries over from its input.</summary>
    public static IEnumerable<string> CompanionFileNames => TokenizerFiles.Append("generation_config.json");

    /// <summary>Copies generation_config.json and the tokenizer files that exist in <paramref name="from"/>.</summary>
    public static void CopyCompanionFiles(string from, string to, bool includeGenerationConfig = true)
    {
        IEnumerable<string> names = includeGenerationConfig ? TokenizerFiles.Append("generation_config.json") : TokenizerFiles;
        foreach (string name in names)
        {
            string source = Path.Combine(from, name);
            if (File.Exists(source)) File.Copy(source, Path.Combine(to, name), overwrite: true);
        }
    }
}
