using Lep.Options;

namespace Lep.Data.Corpus;

/// <summary>Packages reserved for evaluation (DESIGN §5): never downloaded, never read, never described.</summary>
internal static class PackagePolicy
{
    public static bool IsReserved(string package) =>
        package.StartsWith("wesnoth", StringComparison.OrdinalIgnoreCase)
        || package.Equals("debian-handbook", StringComparison.OrdinalIgnoreCase)
        || package.StartsWith("debian-handbook-", StringComparison.OrdinalIgnoreCase);

    public static void EnsureAllowed(string package)
    {
        if (IsReserved(package))
            throw new LepInputException(package, "reserved for evaluation (wesnoth-* and debian-handbook are kept out of every training corpus)");
    }
}

internal enum SourceKind
{
    /// <summary>fortune cookie files (a file with NAME.dat beside it).</summary>
    Fortune,
    /// <summary>*.html / *.htm pages.</summary>
    Html,
    /// <summary>Mallard *.page help (GNOME).</summary>
    Mallard,
    /// <summary>man pages (*.[0-9]*, optionally .gz).</summary>
    Man,
    /// <summary>a SWORD zText Bible module.</summary>
    Sword,
}

/// <summary>One text source: the files of <paramref name="Package"/> under <paramref name="Under"/> (a path prefix
/// inside the unpacked package, '/'-separated, no leading slash) converted as <paramref name="Kind"/>.</summary>
internal sealed record SourceSpec(string Name, string Lang, string Package, SourceKind Kind, string Under = "");

/// <summary>A dictionary source for parallel_dict.en-ru.tsv: dictd files or gettext catalogs in a package.</summary>
internal sealed record DictionarySpec(string Name, string Package, string Kind, string Path);

internal sealed record CorpusProfile(
    string Name,
    IReadOnlyList<SourceSpec> Sources,
    IReadOnlyList<DictionarySpec> Dictionaries,
    int DescriptionLimit)
{
    public IEnumerable<string> Packages =>
        Sources.Select(s => s.Package).Concat(Dictionaries.Select(d => d.Package)).Distinct().Order(StringComparer.Ordinal);

    public static CorpusProfile Get(string name) => name switch
    {
        "full" => Full,
        "test" => Test,
        _ => throw new OptionException(CorpusSchema.Profile, $"'{name}' is not one of {string.Join(", ", CorpusSchema.Profile.Choices!)}"),
    };

    public static readonly CorpusProfile Full = new("full",
    [
        new("fortunes-ru", "ru", "fortunes-ru", SourceKind.Fortune, "usr/share/games/fortunes/ru/"),
        new("manpages-ru", "ru", "manpages-ru", SourceKind.Man, "usr/share/man/ru/"),
        new("manpages-ru-dev", "ru", "manpages-ru-dev", SourceKind.Man, "usr/share/man/ru/"),
        new("libreoffice-help-ru", "ru", "libreoffice-help-ru", SourceKind.Html, "usr/share/libreoffice/help/ru/"),
        new("gimp-help-ru", "ru", "gimp-help-ru", SourceKind.Html, "usr/share/gimp/2.0/help/ru/"),
        new("gnome-user-docs-ru", "ru", "gnome-user-docs", SourceKind.Mallard, "usr/share/help/ru/"),
        new("doublecmd-help-ru", "ru", "doublecmd-help-ru", SourceKind.Html, "usr/share/"),
        new("aptitude-doc-ru", "ru", "aptitude-doc-ru", SourceKind.Html, "usr/share/"),
        new("developers-reference-ru", "ru", "developers-reference-ru", SourceKind.Html, "usr/share/"),
        new("debian-faq-ru", "ru", "debian-faq-ru", SourceKind.Html, "usr/share/"),
        new("maint-guide-ru", "ru", "maint-guide-ru", SourceKind.Html, "usr/share/"),
        new("fortunes", "en", "fortunes", SourceKind.Fortune, "usr/share/games/fortunes/"),
        new("fortunes-min", "en", "fortunes-min", SourceKind.Fortune, "usr/share/games/fortunes/"),
        new("manpages", "en", "manpages", SourceKind.Man, "usr/share/man/"),
        new("manpages-dev", "en", "manpages-dev", SourceKind.Man, "usr/share/man/"),
        new("libreoffice-help-en-us", "en", "libreoffice-help-en-us", SourceKind.Html, "usr/share/libreoffice/help/en-US/"),
        new("gimp-help-en", "en", "gimp-help-en", SourceKind.Html, "usr/share/gimp/2.0/help/en/"),
        new("gnome-user-docs-en", "en", "gnome-user-docs", SourceKind.Mallard, "usr/share/help/C/"),
        new("doublecmd-help-en", "en", "doublecmd-help-en", SourceKind.Html, "usr/share/"),
        new("aptitude-doc-en", "en", "aptitude-doc-en", SourceKind.Html, "usr/share/"),
        new("developers-reference", "en", "developers-reference", SourceKind.Html, "usr/share/"),
        new("debian-faq", "en", "debian-faq", SourceKind.Html, "usr/share/"),
        new("maint-guide", "en", "maint-guide", SourceKind.Html, "usr/share/"),
        new("sword-text-web", "en", "sword-text-web", SourceKind.Sword, "usr/share/sword/modules/texts/ztext/"),
    ],
    [
        new("mueller7-dict", "mueller7-dict", "dictd", "usr/share/dictd/mueller7"),
        new("dict-freedict-eng-rus", "dict-freedict-eng-rus", "dictd", "usr/share/dictd/freedict-eng-rus"),
        new("iso-codes", "iso-codes", "mo", "usr/share/locale/ru/LC_MESSAGES/"),
    ],
    DescriptionLimit: int.MaxValue);

    /// <summary>A few small packages: about 2 MB of downloads, seconds of conversion.</summary>
    public static readonly CorpusProfile Test = new("test",
    [
        new("fortunes-ru", "ru", "fortunes-ru", SourceKind.Fortune, "usr/share/games/fortunes/ru/"),
        new("aptitude-doc-ru", "ru", "aptitude-doc-ru", SourceKind.Html, "usr/share/"),
        new("fortunes-min", "en", "fortunes-min", SourceKind.Fortune, "usr/share/games/fortunes/"),
        new("aptitude-doc-en", "en", "aptitude-doc-en", SourceKind.Html, "usr/share/"),
    ],
    [
        new("dict-freedict-eng-rus", "dict-freedict-eng-rus", "dictd", "usr/share/dictd/freedict-eng-rus"),
    ],
    DescriptionLimit: 400);
}
