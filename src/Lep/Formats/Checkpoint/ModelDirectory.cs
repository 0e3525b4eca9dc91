using System.Runtime.InteropServices;

namespace Lep.Formats.Checkpoint;

/// <summary>The non-weight files of an HF model dir that travel with a model from stage to stage.</summary>
internal static class ModelDirectory
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

    /// <summary>
    /// The files of <paramref name="from"/> (recursively) in <paramref name="to"/> as hard links, copied where a link
    /// is not possible: a model "chosen" without duplicating gigabytes. Writers replace files by renaming, never in
    /// place, so a link never lets one artifact change another.
    /// </summary>
    /// <param name="skip">top-level file names not to take (e.g. the source stage's own marker)</param>
    public static void LinkOrCopy(string from, string to, IReadOnlyCollection<string> skip)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (skip.Contains(relative)) continue;
            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (OperatingSystem.IsWindows() || Link(file, target) != 0) File.Copy(file, target, overwrite: false);
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);
}
