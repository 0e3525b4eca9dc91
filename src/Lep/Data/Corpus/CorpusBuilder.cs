using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Formats;

namespace Lep.Data.Corpus;

internal sealed record CorpusBuildOptions(string OutDir, CorpusProfile Profile, string CacheDir)
{
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }

    /// <summary>$XDG_CACHE_HOME/lep/debian, else ~/.cache/lep/debian.</summary>
    public static string DefaultCacheDir() => UserCache.Directory("debian");
}

internal sealed record FetchResult(IReadOnlyList<DebFile> Debs, IReadOnlyList<string> Missing);

internal sealed record SourceStats(string Name, string Lang, string Package, int Files, int Documents, int TrainDocuments, int HeldOutDocuments, long TrainChars);

internal sealed record OutputFile(string Name, long Bytes, string Sha256, int? Documents);

internal sealed record CorpusBuildSummary(string OutDir, IReadOnlyList<SourceStats> Sources, IReadOnlyList<OutputFile> Outputs, int DictionaryPairs, IReadOnlyList<string> Missing);

/// <summary>
/// `lep data build`: fetch the profile's Debian packages (<see cref="Fetch"/>), then unpack, convert, clean,
/// deduplicate, split and write the corpus with its manifest (<see cref="Convert"/>). Everything is sorted and no
/// timestamp is written, so two builds from the same packages give the same bytes.
/// </summary>
internal sealed class CorpusBuilder
{
    public static readonly string[] Languages = ["en", "ru"];
    private readonly CorpusBuildOptions _options;
    private readonly SystemTools _tools;
    private readonly AptClient _apt;

    public CorpusBuilder(CorpusBuildOptions options, SystemTools tools)
    {
        _options = options;
        _tools = tools;
        _apt = new AptClient(options.CacheDir, tools.AptGet, tools.AptCache);
    }

    /// <summary>apt-get update into the private lists, then download (or reuse) every available package.</summary>
    public FetchResult Fetch(IProgress<double>? progress = null)
    {
        var packages = _options.Profile.Packages.ToList();
        foreach (string p in packages) PackagePolicy.EnsureAllowed(p);
        _apt.Update();
        progress?.Report(0.05);
        Dictionary<string, string> available = _apt.Candidates(packages);
        var missing = packages.Where(p => !available.ContainsKey(p)).ToList();
        var sub = new SyncProgress<double>(f => progress?.Report(0.05 + 0.95 * f));
        List<DebFile> debs = _apt.Download(packages.Where(available.ContainsKey).ToList(), sub);
        return new FetchResult(debs, missing);
    }

    public CorpusBuildSummary Convert(FetchResult fetched, IProgress<double>? progress = null)
    {
        CorpusProfile profile = _options.Profile;
        var byPackage = fetched.Debs.ToDictionary(d => d.Package, StringComparer.Ordinal);
        if (!profile.Sources.Any(s => byPackage.ContainsKey(s.Package)))
            throw new LepInputException("apt", $"none of the profile's packages is available from the configured sources ({string.Join(", ", fetched.Missing)})");
        // The unpacked packages are scratch: removed when the run ends, is interrupted (TemporaryPaths) or, after a
        // kill, by the next run.
        StaleOutputs.CleanProcessDirectories(_options.CacheDir, "unpacked");
        string work = Path.Combine(_options.CacheDir, $"unpacked-{Environment.ProcessId}");
        TemporaryPaths.Add(work);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        try
        {
            var sources = profile.Sources.Where(s => byPackage.ContainsKey(s.Package)).OrderBy(s => s.Lang, StringComparer.Ordinal).ThenBy(s => s.Name,
                StringComparer.Ordinal).ToList();
            int steps = fetched.Debs.Count + sources.Count + 3, step = 0;
            void Report(double within) => progress?.Report(Math.Min(1.0, (step + within) / steps));

            var licences = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (DebFile deb in fetched.Debs)
            {
                string dir = Path.Combine(work, deb.Package);
                Directory.CreateDirectory(dir);
                var r = AptClient.Run(_tools.DpkgDeb, ["-x", deb.Path, dir], work);
                if (r.ExitCode != 0) throw new LepInputException(deb.Path, $"dpkg-deb -x failed: {r.StdErr.Trim().Split('\n')[0]}");
                step++;
                Report(0);
            }
            foreach (DebFile deb in fetched.Debs) licences[deb.Package] = Licences.ForPackage(work, deb.Package);

            // Convert every source, then clean, deduplicate per language and split.
            var docsBySource = new List<(SourceSpec Spec, int Files, List<Document> Docs)>();
            foreach (SourceSpec spec in sources)
            {
                (int files, List<Document> docs) = ConvertSource(spec, Path.Combine(work, spec.Package), Report);
                docsBySource.Add((spec, files, CorpusFilters.CleanSource(docs, spec.Lang)));
                step++;
                Report(0);
            }
            foreach ((SourceSpec spec, List<Document> docs) in DescriptionSources(profile.DescriptionLimit))
                docsBySource.Add((spec, 0, CorpusFilters.CleanSource(docs, spec.Lang)));
            step++;
            Report(0);

            using var staging = new StagingDirectory(_options.OutDir, _options.ReplaceOutput);
            var stats = new List<SourceStats>();
            var outputs = new List<OutputFile>();
            foreach (string lang in Languages)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var train = new List<Document>();
                var heldOut = new List<Document>();
                foreach (var (spec, files, docs) in docsBySource.Where(d => d.Spec.Lang == lang).OrderBy(d => d.Spec.Name, StringComparer.Ordinal))
                {
                    List<Document> unique = CorpusFilters.RemoveDuplicates(docs, seen);
                    int t = 0, h = 0;
                    long chars = 0;
                    for (int i = 0; i < unique.Count; i++)
                    {
                        if (CorpusFilters.IsHeldOut(i)) { heldOut.Add(unique[i]); h++; }
                        else { train.Add(unique[i]); t++; chars += unique[i].Text.Length; }
                    }
                    stats.Add(new SourceStats(spec.Name, lang, spec.Package, files, unique.Count, t, h, chars));
                }
                outputs.Add(WriteDocuments(staging.File($"{lang}_train.txt"), train));
                outputs.Add(WriteDocuments(staging.File($"{lang}_heldout.txt"), heldOut));
            }
            step++;
            Report(0);

            List<(string En, string Ru, string Source)> pairs = DictionaryPairs(profile, work);
            outputs.Add(WriteDictionary(staging.File("parallel_dict.en-ru.tsv"), pairs));
            outputs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            WriteManifest(staging.File("manifest.json"), fetched, licences, stats, outputs, pairs);
            staging.Commit();
            progress?.Report(1.0);
            return new CorpusBuildSummary(staging.FinalPath, stats, outputs, pairs.Count, fetched.Missing);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            TemporaryPaths.Remove(work);
        }
    }

    private static readonly EnumerationOptions Recursive = new()
    {
        RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, ReturnSpecialDirectories = false, IgnoreInaccessible = true,
    };

    /// <summary>Files of a source, sorted by their path inside the package.</summary>
    public static List<string> SourceFiles(SourceSpec spec, string packageRoot)
    {
        string root = Path.Combine(packageRoot, spec.Under);
        if (!Directory.Exists(root)) return [];
        IEnumerable<string> files = Directory.EnumerateFiles(root, "*", Recursive);
        files = spec.Kind switch
        {
            SourceKind.Fortune => files.Where(f => Fortunes.IsCookieFile(f) && !f.Contains("/off/", StringComparison.Ordinal)),
            SourceKind.Html => files.Where(f => f.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".htm", StringComparison.OrdinalIgnoreCase)),
            SourceKind.Mallard => files.Where(f => f.EndsWith(".page", StringComparison.Ordinal)),
            SourceKind.Man => files.Where(f => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(f), @"\.[0-9][a-z0-9]*(\.gz)?$")),
            SourceKind.Sword => files.Where(f => Path.GetFileName(f) is "ot.bzs" or "nt.bzs").Select(f => Path.GetDirectoryName(f)!).Distinct(),
            _ => [],
        };
        return files.Order(StringComparer.Ordinal).ToList();
    }

    private (int Files, List<Document> Docs) ConvertSource(SourceSpec spec, string packageRoot, Action<double> report)
    {
        List<string> files = SourceFiles(spec, packageRoot);
        if (spec.Kind == SourceKind.Sword)
        {
            var docs = new List<Document>();
            foreach (string dir in files)
                foreach (var (chapter, lines) in SwordZText.ReadModule(dir))
                    docs.Add(new Document(spec.Name, chapter, lines));
            return (files.Count, docs);
        }
        var perFile = new List<Document>[files.Count];
        int done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            string rel = Path.GetRelativePath(packageRoot, files[i]);
            perFile[i] = ConvertFile(spec, files[i], rel);
            int d = Interlocked.Increment(ref done);
            if (d % 16 == 0) lock (perFile) report((double)d / files.Count);
        });
        return (files.Count, perFile.SelectMany(d => d).ToList());
    }

    private List<Document> ConvertFile(SourceSpec spec, string path, string rel)
    {
        switch (spec.Kind)
        {
            case SourceKind.Fortune:
            {
                string text = TextTools.Decode(File.ReadAllBytes(path), spec.Lang);
                return Fortunes.Split(text).Select((lines, i) => new Document(spec.Name, $"{rel}#{i}", lines)).ToList();
            }
            case SourceKind.Html or SourceKind.Mallard:
            {
                List<string> lines = HtmlText.ToLines(TextTools.Decode(File.ReadAllBytes(path), spec.Lang));
                return lines.Count == 0 ? [] : [new Document(spec.Name, rel, lines)];
            }
            case SourceKind.Man:
            {
                string roff = TextTools.Decode(ManPages.ReadSource(path), spec.Lang);
                if (ManPages.IsRedirect(roff)) return [];
                List<string> lines = _tools.Groff is not null ? ManPages.RenderWithGroff(roff, _tools.Groff, _tools.Col ?? "") : ManPages.StripRoff(roff);
                return lines.Count == 0 ? [] : [new Document(spec.Name, rel, lines)];
            }
            default:
                return [];
        }
    }

    /// <summary>Russian package descriptions and the English originals of the same descriptions (same md5).</summary>
    private List<(SourceSpec, List<Document>)> DescriptionSources(int limit)
    {
        var ru = new SortedDictionary<string, PackageDescriptions.Entry>(StringComparer.Ordinal);
        foreach (string file in _apt.TranslationFiles("ru"))
            foreach (var e in PackageDescriptions.Parse(PackageDescriptions.ReadIndexFile(file), "ru"))
                if (!PackagePolicy.IsReserved(e.Package)) ru.TryAdd(e.Package, e);
        var chosen = ru.Values.Take(limit).ToList();
        var md5s = chosen.Select(e => e.Md5).Where(m => m.Length > 0).ToHashSet(StringComparer.Ordinal);
        var en = new SortedDictionary<string, PackageDescriptions.Entry>(StringComparer.Ordinal);
        foreach (string file in _apt.TranslationFiles("en"))
            foreach (var e in PackageDescriptions.Parse(PackageDescriptions.ReadIndexFile(file), "en"))
                if (md5s.Contains(e.Md5) && !PackagePolicy.IsReserved(e.Package)) en.TryAdd(e.Package, e);
        var result = new List<(SourceSpec, List<Document>)>();
        if (chosen.Count > 0)
            result.Add((new SourceSpec("descriptions-ru", "ru", "(apt Translation-ru)", SourceKind.Html),
                chosen.Select(e => new Document("descriptions-ru", e.Package, PackageDescriptions.ToDocument(e))).ToList()));
        if (en.Count > 0)
            result.Add((new SourceSpec("descriptions-en", "en", "(apt Translation-en)", SourceKind.Html),
                en.Values.Select(e => new Document("descriptions-en", e.Package, PackageDescriptions.ToDocument(e))).ToList()));
        return result;
    }

    /// <summary>en→ru single-word pairs from dictd dictionaries and gettext catalogs, sorted and unique.</summary>
    public static List<(string En, string Ru, string Source)> DictionaryPairs(CorpusProfile profile, string work)
    {
        var pairs = new SortedSet<(string, string, string)>(Comparer<(string, string, string)>.Create((a, b) =>
        {
            int c = string.CompareOrdinal(a.Item1, b.Item1);
            if (c == 0) c = string.CompareOrdinal(a.Item2, b.Item2);
            return c != 0 ? c : string.CompareOrdinal(a.Item3, b.Item3);
        }));
        foreach (DictionarySpec d in profile.Dictionaries)
        {
            string basePath = Path.Combine(work, d.Package, d.Path);
            if (d.Kind == "dictd")
            {
                string index = basePath + ".index", dict = File.Exists(basePath + ".dict.dz") ? basePath + ".dict.dz" : basePath + ".dict";
                if (!File.Exists(index) || !File.Exists(dict)) continue;
                foreach (var (head, article) in Dictd.ReadEntries(index, dict))
                    foreach (string ru in Dictd.SingleWordTranslations(head, article))
                        pairs.Add((head, ru, d.Name));
            }
            else if (d.Kind == "mo" && Directory.Exists(basePath))
            {
                foreach (string mo in Directory.EnumerateFiles(basePath, "*.mo", Recursive).Order(StringComparer.Ordinal))
                {
                    string source = $"{d.Name}:{Path.GetFileNameWithoutExtension(mo)}";
                    foreach (var (id, str) in MoCatalog.Read(File.ReadAllBytes(mo), mo))
                    {
                        string en = id.Trim(), ru = str.Trim();
                        if (Dictd.EnglishWordRegex().IsMatch(en) && Dictd.RussianWordRegex().IsMatch(ru)) pairs.Add((en, ru, source));
                    }
                }
            }
        }
        return pairs.ToList();
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static OutputFile WriteDocuments(string path, List<Document> docs)
    {
        using (var w = new StreamWriter(path, false, Utf8) { NewLine = "\n" })
        {
            for (int i = 0; i < docs.Count; i++)
            {
                if (i > 0) w.Write("\n\n");
                w.Write(docs[i].Text);
            }
            if (docs.Count > 0) w.Write('\n');
        }
        return new OutputFile(Path.GetFileName(path), new FileInfo(path).Length, AptClient.Sha256Of(path), docs.Count);
    }

    private static OutputFile WriteDictionary(string path, List<(string En, string Ru, string Source)> pairs)
    {
        using (var w = new StreamWriter(path, false, Utf8) { NewLine = "\n" })
            foreach (var (en, ru, source) in pairs) w.Write($"{en}\t{ru}\t{source}\n");
        return new OutputFile(Path.GetFileName(path), new FileInfo(path).Length, AptClient.Sha256Of(path), null);
    }

    private void WriteManifest(string path, FetchResult fetched, Dictionary<string, List<string>> licences, List<SourceStats> stats,
        List<OutputFile> outputs, List<(string En, string Ru, string Source)> pairs)
    {
        var packages = new JsonArray();
        foreach (DebFile d in fetched.Debs.OrderBy(d => d.Package, StringComparer.Ordinal))
            packages.Add(new JsonObject
            {
                ["name"] = d.Package, ["version"] = d.Version, ["deb"] = Path.GetFileName(d.Path), ["size"] = d.Size, ["sha256"] = d.Sha256,
                ["licences"] = licences.GetValueOrDefault(d.Package) is { Count: > 0 } names
                    ? new JsonArray(names.Select(l => (JsonNode)l!).ToArray())
                    : new JsonArray("unknown (no readable copyright file in the package)"),
            });
        var sources = new JsonArray();
        foreach (SourceStats s in stats.OrderBy(s => s.Lang, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
            sources.Add(new JsonObject
            {
                ["name"] = s.Name, ["lang"] = s.Lang, ["package"] = s.Package, ["files"] = s.Files, ["documents"] = s.Documents,
                ["train_documents"] = s.TrainDocuments, ["heldout_documents"] = s.HeldOutDocuments, ["train_chars"] = s.TrainChars,
            });
        var files = new JsonObject();
        foreach (OutputFile o in outputs)
        {
            var f = new JsonObject { ["bytes"] = o.Bytes, ["sha256"] = o.Sha256 };
            if (o.Documents is int n) f["documents"] = n;
            files[o.Name] = f;
        }
        var dict = new JsonObject();
        foreach (var g in pairs.GroupBy(p => p.Source).OrderBy(g => g.Key, StringComparer.Ordinal)) dict[g.Key] = g.Count();
        var root = new JsonObject
        {
            ["format"] = "lep-corpus/1",
            ["profile"] = _options.Profile.Name,
            ["layout"] = "UTF-8 text, documents separated by one empty line; parallel_dict.en-ru.tsv: en<TAB>ru<TAB>source",
            ["filters"] = new JsonObject
            {
                ["russian_lines_min_cyrillic_share_of_letters"] = CorpusFilters.MinCyrillicShare,
                ["min_letter_share_of_visible_chars"] = CorpusFilters.MinLetterShare,
                ["max_repeats_of_a_line_per_source"] = CorpusFilters.MaxRepeatsPerSource,
                ["min_document_letters"] = CorpusFilters.MinDocumentLetters,
                ["exact_duplicate_documents"] = "removed (first kept, per language)",
                ["heldout"] = $"every {CorpusFilters.HeldOutPeriod}th document of each source",
            },
            ["reserved_never_used"] = new JsonArray("wesnoth-*", "debian-handbook"),
            ["packages"] = packages,
            ["missing_packages"] = new JsonArray(fetched.Missing.Select(m => (JsonNode)m!).ToArray()),
            ["sources"] = sources,
            ["dictionary_pairs"] = dict,
            ["outputs"] = files,
        };
        var json = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        File.WriteAllText(path, json + "\n", Utf8);
    }
}
