using System.Text.RegularExpressions;

namespace Lep.Data.Corpus;

/// <summary>Licence names from a Debian copyright file: the "License:" fields of a DEP-5 file, else a few
/// well-known names found in the text. Empty when the file is missing or names none.</summary>
internal static partial class Licences
{
    public static List<string> FromCopyright(string? path)
    {
        if (path is null || !File.Exists(path)) return [];
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException)
        {
            return [];
        }
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in FieldRegex().Matches(text))
        {
            string value = m.Groups[1].Value.Trim();
            if (value.Length > 0 && value.Length < 80) names.Add(value);
        }
        if (names.Count == 0)
        {
            foreach ((string pattern, string name) in Known)
                if (Regex.IsMatch(text, pattern, RegexOptions.IgnoreCase)) names.Add(name);
        }
        return [.. names];
    }

    /// <summary>
    /// Licences of an unpacked package (WORK/PKG/usr/share/doc/PKG/copyright). A doc dir that is a symlink to another
    /// package's (manpages-dev → manpages) is followed when that package is unpacked beside it.
    /// </summary>
    public static List<string> ForPackage(string work, string package)
    {
        string docDir = Path.Combine(work, package, "usr", "share", "doc", package);
        List<string> names = FromCopyright(Path.Combine(docDir, "copyright"));
        if (names.Count > 0) return names;
        var info = new DirectoryInfo(docDir);
        if (info.Exists || info.LinkTarget is not null)
        {
            string? target = info.LinkTarget is string t ? Path.GetFileName(t.TrimEnd('/')) : null;
            if (target is not null && target != package)
                names = FromCopyright(Path.Combine(work, target, "usr", "share", "doc", target, "copyright"));
        }
        return names;
    }

    private static readonly (string, string)[] Known =
    [
        (@"GNU General Public License[^.]{0,80}version 3", "GPL-3"),
        (@"GNU General Public License[^.]{0,80}version 2", "GPL-2"),
        (@"GNU Lesser General Public License|GNU Library General Public License", "LGPL"),
        (@"GNU Free Documentation License", "GFDL"),
        (@"Mozilla Public License", "MPL"),
        (@"Creative Commons", "CC"),
        (@"public domain", "public-domain"),
        (@"Permission is hereby granted, free of charge", "Expat"),
        (@"Redistribution and use in source and binary forms", "BSD"),
        (@"Permission is granted to make and distribute verbatim copies", "verbatim-copying"),
    ];

    [GeneratedRegex(@"^License:[ \t]*(.*)$", RegexOptions.Multiline)]
    private static partial Regex FieldRegex();
}
