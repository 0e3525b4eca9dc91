using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Lep.Data.Corpus;

/// <summary>A .deb in the cache with what apt said about it.</summary>
internal sealed record DebFile(string Package, string Version, string Path, long Size, string Sha256);

/// <summary>
/// apt without root: a private state under the cache dir (package lists, apt's cache), the system's sources reused,
/// translations (ru, en) fetched, downloads by `apt-get download` into the cache; cached .debs whose size and SHA256
/// match what apt expects are reused, so an interrupted build resumes.
/// </summary>
internal sealed partial class AptClient
{
    public string CacheDir { get; }
    public string ListsDir => Path.Combine(CacheDir, "lists");
    public string AptCacheDir => Path.Combine(CacheDir, "apt-cache");
    public string DebsDir => Path.Combine(CacheDir, "debs");
    private readonly string _aptGet, _aptCache;

    public AptClient(string cacheDir, string aptGet, string aptCache)
    {
        CacheDir = Path.GetFullPath(cacheDir);
        _aptGet = aptGet;
        _aptCache = aptCache;
        Directory.CreateDirectory(Path.Combine(ListsDir, "partial"));
        Directory.CreateDirectory(Path.Combine(AptCacheDir, "archives", "partial"));
        Directory.CreateDirectory(DebsDir);
    }

    private IEnumerable<string> Options()
    {
        string[] o =
        [
            "Dir::State::Lists=" + ListsDir,
            "Dir::Cache=" + AptCacheDir,
            "Dir::Cache::pkgcache=",
            "Dir::Cache::srcpkgcache=",
            "Acquire::Languages=ru,en",
            "Acquire::GzipIndexes=false",
            "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
            "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false",
            "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false",
            "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false",
            "Acquire::Retries=3",
            "APT::Get::Show-Versions=false",
            // Running as root, apt would hand downloads to the _apt user, who cannot write into the user's cache.
            "APT::Sandbox::User=" + (Environment.UserName == "root" ? "root" : Environment.UserName),
        ];
        foreach (string s in o)
        {
            yield return "-o";
            yield return s;
        }
    }

    /// <summary>`apt-get update` into the private lists. Throws with apt's own error when it fails.</summary>
    public void Update()
    {
        var r = Run(_aptGet, [.. Options(), "-q", "update"], CacheDir);
        bool failed = r.ExitCode != 0 || r.StdErr.Split('\n').Any(l => l.StartsWith("W: Failed to " +
            "fetch", StringComparison.Ordinal) || l.StartsWith("E: ", StringComparison.Ordinal));
        if (failed && !HasLists())
            throw new LepInputException("apt-get update", $"failed ({FirstError(r)}); no network to a Debian mirror? pass your own text with --corpus to the later stages");
    }

    public bool HasLists() => Directory.EnumerateFiles(ListsDir, "*_Packages*").Any();

    /// <summary>Candidate versions of the packages that apt knows; unknown ones are left out.</summary>
    public Dictionary<string, string> Candidates(IEnumerable<string> packages)
    {
        var list = packages.ToList();
        foreach (string p in list) PackagePolicy.EnsureAllowed(p);
        var r = Run(_aptCache, [.. Options(), "policy", .. list], CacheDir);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (string line in r.StdOut.Split('\n'))
        {
            if (line.Length > 0 && line[0] != ' ' && line.EndsWith(':')) current = line[..^1];
            else if (current is not null && line.TrimStart().StartsWith("Candidate:", StringComparison.Ordinal))
            {
                string v = line.Trim()["Candidate:".Length..].Trim();
                if (v != "(none)") result[current] = v;
            }
        }
        return result;
    }

    /// <summary>Downloads (or finds in the cache) the candidate .deb of each package; reports progress in [0, 1].</summary>
    public List<DebFile> Download(IReadOnlyCollection<string> packages, IProgress<double>? progress = null)
    {
        foreach (string p in packages) PackagePolicy.EnsureAllowed(p);
        if (packages.Count == 0) return [];
        // apt leaves out files already present in the working directory, so ask from an empty one.
        Lep.Formats.StaleOutputs.CleanProcessDirectories(CacheDir, "print-uris");
        string empty = Path.Combine(CacheDir, $"print-uris-{Environment.ProcessId}");
        Lep.Formats.TemporaryPaths.Add(empty);
        Directory.CreateDirectory(empty);
        ProcessResult uris;
        try
        {
            uris = Run(_aptGet, [.. Options(), "download", "--print-uris", .. packages], empty);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
            Lep.Formats.TemporaryPaths.Remove(empty);
        }
        if (uris.ExitCode != 0) throw new LepInputException("apt-get download", FirstError(uris));
        var wanted = new List<(string File, long Size, string Sha256)>();
        foreach (Match m in UriRegex().Matches(uris.StdOut))
            wanted.Add((m.Groups[1].Value, long.Parse(m.Groups[2].Value), m.Groups[3].Value.ToLowerInvariant()));
        long total = Math.Max(1, wanted.Sum(w => w.Size)), done = 0;
        bool Cached((string File, long Size, string Sha256) w)
        {
            string path = Path.Combine(DebsDir, w.File);
            return File.Exists(path) && new FileInfo(path).Length == w.Size && Sha256Of(path) == w.Sha256;
        }
        var fetch = wanted.Where(w => !Cached(w)).ToList();
        done = wanted.Where(w => !fetch.Contains(w)).Sum(w => w.Size);
        progress?.Report((double)done / total);
        if (fetch.Count > 0)
        {
            // One apt-get call for all of them (each call re-reads the package lists); "Get:" lines drive progress.
            var sizes = fetch.ToDictionary(w => Uri.UnescapeDataString(w.File).Split('_')[0], w => w.Size, StringComparer.Ordinal);
            var names = fetch.Select(w => Uri.UnescapeDataString(w.File).Split('_')[0]).ToList();
            foreach (var w in fetch) File.Delete(Path.Combine(DebsDir, w.File)); // a partial or corrupt earlier download
            var r = Run(_aptGet, [.. Options(), "-q", "download", .. names], DebsDir, line =>
            {
                Match m = GetLineRegex().Match(line);
                if (m.Success && sizes.TryGetValue(m.Groups[1].Value, out long size))
                    progress?.Report((double)Interlocked.Add(ref done, size) / total);
            });
            if (r.ExitCode != 0) throw new LepInputException("apt-get download", FirstError(r));
            foreach (var w in fetch)
            {
                string path = Path.Combine(DebsDir, w.File);
                if (!File.Exists(path)) throw new LepInputException("apt-get download", $"{w.File} was not downloaded: {FirstError(r)}");
                if (Sha256Of(path) != w.Sha256) throw new LepInputException(path, "downloaded file does not match apt's SHA256");
            }
        }
        var result = new List<DebFile>();
        foreach (var w in wanted.OrderBy(w => w.File, StringComparer.Ordinal))
        {
            string[] name = Uri.UnescapeDataString(w.File).Split('_');
            result.Add(new DebFile(name[0], name[1], Path.Combine(DebsDir, w.File), w.Size, w.Sha256));
        }
        progress?.Report(1.0);
        return result;
    }

    /// <summary>The Translation-LANG index files apt fetched (plain or compressed), sorted.</summary>
    public List<string> TranslationFiles(string lang) =>
        Directory.EnumerateFiles(ListsDir, "*_i18n_Translation-" + lang + "*")
            .Where(f => !f.EndsWith(".lz4", StringComparison.Ordinal) && !f.EndsWith(".xz", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();

    public static string Sha256Of(string path) => Lep.Formats.FileHash.Sha256(path);

    private static string FirstError(ProcessResult r)
    {
        string? line = r.StdErr.Split('\n').FirstOrDefault(l => l.StartsWith("E: ", StringComparison.Ordinal))
                       ?? r.StdErr.Split('\n').FirstOrDefault(l => l.StartsWith("W: ", StringComparison.Ordinal))
                       ?? r.StdErr.Split('\n').FirstOrDefault(l => l.Trim().Length > 0);
        return (line ?? $"exit code {r.ExitCode}").Trim();
    }

    public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

    public static ProcessResult Run(string program, IEnumerable<string> args, string workDir, Action<string>? onLine = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C.UTF-8";
        using var p = Process.Start(psi) ?? throw new LepInputException(program, "could not be started");
        Task<string> error = p.StandardError.ReadToEndAsync();
        var output = new StringBuilder();
        while (p.StandardOutput.ReadLine() is string line)
        {
            output.Append(line).Append('\n');
            onLine?.Invoke(line);
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, output.ToString(), error.Result);
    }

    [GeneratedRegex(@"^Get:\d+ \S+ \S+ \S+ (\S+) ")]
    private static partial Regex GetLineRegex();

    [GeneratedRegex(@"^'[^']*' (\S+) (\d+) SHA256:([0-9a-fA-F]{64})", RegexOptions.Multiline)]
    private static partial Regex UriRegex();
}
