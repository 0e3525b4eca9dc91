using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lep.Data.Corpus;
using Lep.Tests.Support;

namespace Lep.Tests.Data.Corpus;

/// <summary>A fact that is skipped, with the reason, where apt-get is missing or no apt mirror answers.</summary>
public sealed partial class AptNetworkFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(Probe);

    public AptNetworkFactAttribute()
    {
        if (Reason.Value is string reason) Skip = reason;
    }

    private static string? Probe()
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (SystemTools.Which("apt-get", path) is null || SystemTools.Which("dpkg-deb", path) is null)
            return "skipped: no apt-get/dpkg-deb on this system";
        var hosts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in new[] { "/etc/apt/sources.list" }.Concat(Directory.Exists("/etc/apt/sources.list.d") ? Directory.GetFiles("/etc/apt/sources.list.d") : []))
        {
            if (!File.Exists(file) || !(file.EndsWith(".list") || file.EndsWith(".sources"))) continue;
            foreach (Match m in HostRegex().Matches(File.ReadAllText(file))) hosts.Add(m.Groups[1].Value);
        }
        foreach (string host in hosts)
        {
            try
            {
                using var client = new TcpClient();
                if (client.ConnectAsync(host, 80).Wait(TimeSpan.FromSeconds(3)) && client.Connected) return null;
            }
            catch (Exception)
            {
                // try the next mirror
            }
        }
        return $"skipped: apt has no network (no answer from {string.Join(", ", hosts)})";
    }

    [GeneratedRegex(@"https?://([^/\s:]+)")]
    private static partial Regex HostRegex();
}

public class CorpusBuildTests
{
    [AptNetworkFact]
    public void TestProfileBuildsWithoutPartialOutputAndTwoRunsAreByteIdentical()
    {
        using var dir = new TempDir();
        string cache = Path.Combine(dir.Path, "cache");
        SystemTools tools = SystemTools.Find();

        CorpusBuildSummary Build(string outDir)
        {
            var builder = new CorpusBuilder(new CorpusBuildOptions(outDir, CorpusProfile.Test, cache), tools);
            FetchResult fetched = builder.Fetch();
            Assert.Empty(fetched.Missing);
            return builder.Convert(fetched);
        }

        CorpusBuildSummary first = Build(Path.Combine(dir.Path, "a"));
        CorpusBuildSummary second = Build(Path.Combine(dir.Path, "b")); // reuses the cached .debs
        string[] names = ["en_heldout.txt", "en_train.txt", "manifest.json", "parallel_dict.en-ru.tsv", "ru_heldout.txt", "ru_train.txt"];
        Assert.Equal(names, Directory.GetFiles(first.OutDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string name in names)
            Assert.True(File.ReadAllBytes(Path.Combine(first.OutDir, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second.OutDir, name))), name);
        Assert.Empty(Directory.GetDirectories(dir.Path, ".*staging*"));

        // Every source produced text, both languages have train and held-out documents, nothing is in both.
        Assert.All(first.Sources, s => Assert.True(s.Documents > 0, s.Name));
        foreach (string lang in CorpusBuilder.Languages)
        {
            var train = Documents(Path.Combine(first.OutDir, $"{lang}_train.txt"));
            var held = Documents(Path.Combine(first.OutDir, $"{lang}_heldout.txt"));
            Assert.True(train.Count > 500, $"{lang}: {train.Count} train docs");
            Assert.NotEmpty(held);
            Assert.Empty(train.Intersect(held));
            Assert.Equal(train.Count, train.Distinct().Count());
            Assert.All(train.Concat(held), d => Assert.DoesNotContain("  ", d));
        }
        string ru = File.ReadAllText(Path.Combine(first.OutDir, "ru_train.txt"));
        Assert.All(ru.Split('\n').Where(l => l.Length > 0), l => Assert.True(CorpusFilters.IsMostlyCyrillic(l), l));

        var dict = File.ReadAllLines(Path.Combine(first.OutDir, "parallel_dict.en-ru.tsv"));
        Assert.True(dict.Length > 500, $"{dict.Length} dictionary pairs");
        Assert.All(dict, l => Assert.Matches(@"^[A-Za-z]+\t[А-ЯЁа-яё]+\t\S+$", l));

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(first.OutDir, "manifest.json")));
        var packages = manifest.RootElement.GetProperty("packages").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
        Assert.Equal(CorpusProfile.Test.Packages, packages);
        Assert.DoesNotContain(packages, PackagePolicy.IsReserved);
        var outputs = manifest.RootElement.GetProperty("outputs");
        Assert.Equal(AptClient.Sha256Of(Path.Combine(first.OutDir, "ru_train.txt")), outputs.GetProperty("ru_train.txt").GetProperty("sha256").GetString());
        Assert.Contains("GPL-2+", manifest.RootElement.GetProperty("packages")[0].GetProperty("licences").EnumerateArray().Select(l => l.GetString()));
    }

    private static List<string> Documents(string path) =>
        File.ReadAllText(path).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(d => d.Trim('\n')).ToList();
}
