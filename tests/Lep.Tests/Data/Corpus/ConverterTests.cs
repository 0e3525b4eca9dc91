using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Lep.Data.Corpus;
using Lep.Tests.Support;

namespace Lep.Tests.Data.Corpus;

public class ConverterTests
{
    [Fact]
    public void FortunesSplitOnPercentLines()
    {
        string text = "Первая мысль,\n  вторая строка.\n\t\t-- Автор\n%\nSecond   cookie.\n%\n%\nThird\n";
        var cookies = Fortunes.Split(text);
        Assert.Equal(3, cookies.Count);
        Assert.Equal(["Первая мысль,", "вторая строка.", "-- Автор"], cookies[0]);
        Assert.Equal(["Second cookie."], cookies[1]);
        Assert.Equal(["Third"], cookies[2]);
    }

    [Fact]
    public void FortuneCookieFilesAreThoseWithADatIndex()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "wisdom"), "a\n%\nb\n");
        File.WriteAllBytes(Path.Combine(dir.Path, "wisdom.dat"), [1, 2]);
        File.WriteAllText(Path.Combine(dir.Path, "README"), "not a cookie file");
        Assert.True(Fortunes.IsCookieFile(Path.Combine(dir.Path, "wisdom")));
        Assert.False(Fortunes.IsCookieFile(Path.Combine(dir.Path, "wisdom.dat")));
        Assert.False(Fortunes.IsCookieFile(Path.Combine(dir.Path, "README")));
    }

    [Fact]
    public void HtmlDropsNavigationScriptsAndStylesAndKeepsBlocksAsLines()
    {
        const string html = """
            <!DOCTYPE html><html><head><title>Заголовок окна</title><style>p { color: red }</style>
            <script>var x = "no";</script></head>
            <body><header>Site header</header><nav><a href="/">Home</a> | <a href="/x">Next</a></nav>
            <div class="navheader">Prev Up Next</div>
            <h1>Настройка   <b>принтера</b></h1>
            <p>Откройте меню <span class="gui">Файл</span> и выберите
               пункт <em>Печать</em>.</p>
            <ul><li>Первый пункт</li><li>Второй&nbsp;пункт</li></ul>
            <pre>line one
            line two</pre>
            <script>document.write("hidden")</script>
            <footer>Copyright footer</footer></body></html>
            """;
        List<string> lines = HtmlText.ToLines(html);
        Assert.Equal(["Настройка принтера", "Откройте меню Файл и выберите пункт Печать.", "Первый пункт", "Второй пункт", "line one", "line two"], lines);
    }

    [Fact]
    public void LibreOfficeHelpKeepsOnlyTheDisplayArea()
    {
        const string html = """<html><body><div class="dropdowns">Модуль</div><div id="DisplayArea"><h1>Автозамена</h1><p>Текст справки.</p></div><div>Боковая панель</div></body></html>""";
        Assert.Equal(["Автозамена", "Текст справки."], HtmlText.ToLines(html));
    }

    [Fact]
    public void MallardPageDropsInfoAndKeepsInlineGuiText()
    {
        const string page = """
            <?xml version="1.0" encoding="utf-8"?>
            <page xmlns="http://projectmallard.org/1.0/" type="topic" id="net-wireless">
              <info><link type="guide" xref="net"/><desc>Описание для поиска</desc><credit><name>Автор</name></credit></info>
              <title>Беспроводные сети</title>
              <p>Нажмите <gui style="menu">Настройки</gui>, затем <key>Enter</key>.</p>
              <steps><item><p>Шаг один.</p></item></steps>
            </page>
            """;
        Assert.Equal(["Беспроводные сети", "Нажмите Настройки, затем Enter.", "Шаг один."], HtmlText.ToLines(page));
    }

    private const string Roff = """
        .\" Copyright comment that must vanish
        .TH LS 1 "2023" "GNU coreutils" "User Commands"
        .SH ИМЯ
        ls \- выводит список содержимого каталога
        .SH ОПИСАНИЕ
        Выводит информацию о
        .B ФАЙЛАХ
        (текущий каталог \(em по умолчанию).
        .TP
        \fB\-a\fR, \fB\-\-all\fR
        не скрывать файлы, начинающиеся с \fI.\fP
        .PP
        Смотрите \fBdir\fR(1)\&.
        """;

    [Fact]
    public void RoffFallbackKeepsProseAndJoinsParagraphs()
    {
        List<string> lines = ManPages.StripRoff(Roff);
        Assert.Equal(
        [
            "ИМЯ",
            "ls - выводит список содержимого каталога",
            "ОПИСАНИЕ",
            "Выводит информацию о ФАЙЛАХ (текущий каталог — по умолчанию).",
            "-a, --all не скрывать файлы, начинающиеся с .",
            "Смотрите dir(1).",
        ], lines);
    }

    [Fact]
    public void GroffRendersTheSameProseWhereInstalled()
    {
        string? groff = SystemTools.Which("groff", Environment.GetEnvironmentVariable("PATH") ?? "");
        if (groff is null) return; // the fallback above is what runs without groff
        string col = SystemTools.Which("col", Environment.GetEnvironmentVariable("PATH") ?? "") ?? "";
        string text = string.Join("\n", ManPages.RenderWithGroff(Roff, groff, col));
        Assert.Contains("ls - выводит список содержимого каталога", text);
        Assert.Contains("Выводит информацию о ФАЙЛАХ (текущий каталог — по умолчанию).", text);
        Assert.DoesNotContain("Copyright comment", text);
        Assert.DoesNotContain("\b", text);
    }

    [Fact]
    public void ManPageRedirectsAreRecognised()
    {
        Assert.True(ManPages.IsRedirect(".\\\" comment\n.so man3/printf.3\n"));
        Assert.False(ManPages.IsRedirect(Roff));
    }

    /// <summary>A .mo catalog laid out by hand: header entry, a context entry, a plural entry, plain entries.</summary>
    private static byte[] HandMadeMo(bool bigEndian)
    {
        (string Id, string Str)[] entries =
        [
            ("", "Content-Type: text/plain; charset=UTF-8\n"),
            ("Germany", "Германия"),
            ("file\0files", "файл\0файла\0файлов"),
            ("menu\u0004Open", "Открыть"),
            ("untranslated", ""),
        ];
        int n = entries.Length;
        var strings = new MemoryStream();
        var idRefs = new List<(int Length, int Offset)>();
        var strRefs = new List<(int Length, int Offset)>();
        int baseOffset = 28 + 16 * n;
        foreach (var (id, _) in entries)
        {
            byte[] b = Encoding.UTF8.GetBytes(id);
            idRefs.Add((b.Length, baseOffset + (int)strings.Length));
            strings.Write(b);
            strings.WriteByte(0);
        }
        foreach (var (_, str) in entries)
        {
            byte[] b = Encoding.UTF8.GetBytes(str);
            strRefs.Add((b.Length, baseOffset + (int)strings.Length));
            strings.Write(b);
            strings.WriteByte(0);
        }
        var data = new byte[baseOffset + strings.Length];
        void Put(int at, uint v)
        {
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at), v);
            else BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(at), v);
        }
        Put(0, 0x950412de);
        Put(4, 0);
        Put(8, (uint)n);
        Put(12, 28);
        Put(16, (uint)(28 + 8 * n));
        Put(20, 0);
        Put(24, 0);
        for (int i = 0; i < n; i++)
        {
            Put(28 + 8 * i, (uint)idRefs[i].Length);
            Put(28 + 8 * i + 4, (uint)idRefs[i].Offset);
            Put(28 + 8 * n + 8 * i, (uint)strRefs[i].Length);
            Put(28 + 8 * n + 8 * i + 4, (uint)strRefs[i].Offset);
        }
        strings.ToArray().CopyTo(data, baseOffset);
        return data;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MoCatalogReadsBothByteOrders(bool bigEndian)
    {
        var pairs = MoCatalog.Read(HandMadeMo(bigEndian), "test.mo");
        Assert.Equal([("Germany", "Германия"), ("file", "файл"), ("Open", "Открыть")], pairs);
    }

    [Fact]
    public void MoCatalogRejectsGarbageAndTruncation()
    {
        var e = Assert.Throws<LepInputException>(() => MoCatalog.Read(new byte[40], "bad.mo"));
        Assert.Contains("bad.mo", e.Message);
        byte[] mo = HandMadeMo(false);
        Assert.Throws<LepInputException>(() => MoCatalog.Read(mo[..60], "cut.mo"));
        var read = MoCatalog.Read(mo, "a.mo");
        Assert.Equal(read.OrderBy(p => p.Id, StringComparer.Ordinal), MoCatalog.Read(MoCatalog.Write(read), "b.mo"));
    }

    private static string B64(long n)
    {
        const string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        if (n == 0) return "A";
        var sb = new StringBuilder();
        for (; n > 0; n /= 64) sb.Insert(0, digits[(int)(n % 64)]);
        return sb.ToString();
    }

    [Fact]
    public void DictzipEntriesAndSingleWordTranslations()
    {
        using var dir = new TempDir();
        string[] articles =
        [
            "acorn\n   [ˈeɪkɔːn] _n.\n   1) жёлудь\n   2) _attr. желудёвый\n",
            "acme\n   [ˈækmɪ] _n.\n   1) высшая точка (чего-л.); кульминационный пункт\n   2) _мед. кризис\n",
            "Algeria /ældʒiəriə/\nАлжир\n",
            "ice cream\nмороженое\n",
        ];
        var dict = new MemoryStream();
        var index = new StringBuilder();
        foreach (string a in articles)
        {
            byte[] b = Encoding.UTF8.GetBytes(a);
            index.Append($"{a.Split('\n')[0].Split(" /")[0]}\t{B64(dict.Length)}\t{B64(b.Length)}\n");
            dict.Write(b);
        }
        string dz = Path.Combine(dir.Path, "t.dict.dz");
        using (var gz = new GZipStream(File.Create(dz), CompressionLevel.Optimal)) gz.Write(dict.ToArray());
        File.WriteAllText(Path.Combine(dir.Path, "t.index"), index.ToString());

        var entries = Dictd.ReadEntries(Path.Combine(dir.Path, "t.index"), dz);
        Assert.Equal(4, entries.Count);
        Assert.Equal(articles[1], entries[1].Article);
        Assert.Equal(["жёлудь", "желудёвый"], Dictd.SingleWordTranslations(entries[0].Headword, entries[0].Article));
        Assert.Equal(["кризис"], Dictd.SingleWordTranslations(entries[1].Headword, entries[1].Article));
        Assert.Equal(["Алжир"], Dictd.SingleWordTranslations(entries[2].Headword, entries[2].Article));
        Assert.Empty(Dictd.SingleWordTranslations(entries[3].Headword, entries[3].Article)); // not a single word
        Assert.Throws<LepInputException>(() => Dictd.ReadDictZip(Path.Combine(dir.Path, "t.index")));
    }

    [Fact]
    public void SwordModuleSplitsChaptersAndDropsNotes()
    {
        using var dir = new TempDir();
        string book = """<div osisID="Gen" type="book"/><title type="main">Genesis</title><chapter n="1" osisID="Gen.1" sID="Gen.1"/><div sID="p1" type="x-p"/><w lemma="x">In</w> the beginning God created the heavens and the earth.<note placement="foot">Or, “sky”</note> <div eID="p1" type="x-p"/><chapter eID="Gen.1"/><chapter n="2" osisID="Gen.2" sID="Gen.2"/>The heavens &amp; the earth were finished.""";
        var blocks = new MemoryStream();
        var index = new MemoryStream();
        foreach (string text in new[] { "<milestone type=\"x-importer\"/>", book })
        {
            var z = new MemoryStream();
            using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(Encoding.UTF8.GetBytes(text));
            var entry = new byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)blocks.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(4), (uint)z.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(8), (uint)Encoding.UTF8.GetByteCount(text));
            index.Write(entry);
            blocks.Write(z.ToArray());
        }
        File.WriteAllBytes(Path.Combine(dir.Path, "ot.bzs"), index.ToArray());
        File.WriteAllBytes(Path.Combine(dir.Path, "ot.bzz"), blocks.ToArray());
        var chapters = SwordZText.ReadModule(dir.Path);
        Assert.Equal(2, chapters.Count);
        Assert.Equal("Gen.1", chapters[0].Chapter);
        Assert.Equal(["In the beginning God created the heavens and the earth."], chapters[0].Lines);
        Assert.Equal(["The heavens & the earth were finished."], chapters[1].Lines);
    }

    [Fact]
    public void PackageDescriptionsParseTranslationFiles()
    {
        const string text = "Package: foo\nDescription-md5: abc\nDescription-ru: утилита для работы\n Первая строка\n описания.\n .\n Второй абзац.\n\nPackage: bar\nDescription-md5: def\nDescription-en: a tool\n Long text.\n";
        var ru = PackageDescriptions.Parse(text, "ru");
        Assert.Single(ru);
        Assert.Equal("abc", ru[0].Md5);
        Assert.Equal(["foo: утилита для работы", "Первая строка", "описания.", "Второй абзац."], PackageDescriptions.ToDocument(ru[0]));
        Assert.Equal("bar", Assert.Single(PackageDescriptions.Parse(text, "en")).Package);
    }

    [Fact]
    public void Koi8TextFallsBackFromUtf8()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        byte[] koi = Encoding.GetEncoding(20866).GetBytes("Привет, мир! Это старый файл.");
        Assert.Equal("Привет, мир! Это старый файл.", TextTools.Decode(koi, "ru"));
        Assert.Equal("Привет", TextTools.Decode(Encoding.UTF8.GetBytes("\uFEFFПривет"), "ru"));
    }

    [Fact]
    public void LicencesComeFromDep5Fields()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "copyright");
        File.WriteAllText(path, "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-2+\n\nLicense: GPL-2+\n text\n\nFiles: debian/*\nLicense: CC-BY-SA-3.0\n");
        Assert.Equal(["CC-BY-SA-3.0", "GPL-2+"], Licences.FromCopyright(path));
        File.WriteAllText(path, "This is in the public domain.\n");
        Assert.Equal(["public-domain"], Licences.FromCopyright(path));
        Assert.Empty(Licences.FromCopyright(Path.Combine(dir.Path, "missing")));
    }
}
