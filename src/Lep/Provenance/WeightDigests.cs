using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Lep.Formats;

namespace Lep.Provenance;

internal sealed record FileDigest(string Name, long Bytes, string Sha256);

/// <summary>
/// sha256 of a model's weight files (or of a file input), computed once: within a process by a cache keyed on path,
/// size and modification time; across processes by the "Weights" section of the README.md lep wrote into the dir,
/// trusted for a file whose size matches and that is not newer than that README, or by a <see cref="FileDigestMemo"/>
/// the caller keeps.
/// </summary>
internal static class WeightDigests
{
    private const string Heading = "## Weights";
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Modified), string> Cache = new();

    /// <summary>A dir's *.safetensors files (its tokenizer.json when it has none); a file's own digest.</summary>
    public static IReadOnlyList<FileDigest> Of(string path, FileDigestMemo? memo = null)
    {
        if (File.Exists(path)) return [Digest(path, null, memo)];
        if (!Directory.Exists(path)) return [];
        string[] files = Directory.GetFiles(path, "*.safetensors").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0 && File.Exists(Path.Combine(path, "tokenizer.json"))) files = [Path.Combine(path, "tokenizer.json")];
        var recorded = FromCard(path);
        return files.Select(f => Digest(f, recorded, memo)).ToList();
    }

    /// <summary>The README section listing a dir's own weight files.</summary>
    public static string Section(IReadOnlyList<FileDigest> files)
    {
        var s = new StringBuilder($"{Heading}\n\n| file | bytes | sha256 |\n|---|---:|---|\n");
        foreach (FileDigest f in files) s.Append($"| {f.Name} | {f.Bytes} | `{f.Sha256}` |\n");
        return s.ToString();
    }

    private static FileDigest Digest(string file, Dictionary<string, (long Bytes, string Sha)>? recorded, FileDigestMemo? memo)
    {
        var info = new FileInfo(file);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        string sha = Cache.GetOrAdd(key, _ =>
            recorded is not null && recorded.TryGetValue(info.Name, out var r) && r.Bytes == info.Length ? r.Sha : memo?.Sha256(file) ?? FileHash.Sha256(file));
        return new FileDigest(info.Name, info.Length, sha);
    }

    /// <summary>File → (bytes, sha256) from the Weights section of a dir's README.md, when not older than the files.</summary>
    private static Dictionary<string, (long, string)> FromCard(string dir)
    {
        var result = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        string card = Path.Combine(dir, ModelCard.FileName);
        if (!File.Exists(card)) return result;
        DateTime written = File.GetLastWriteTimeUtc(card);
        bool inSection = false;
        foreach (string line in File.ReadLines(card))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal)) inSection = line.Trim() == Heading;
            if (!inSection || !line.StartsWith("| ", StringComparison.Ordinal)) continue;
            string[] cells = line.Trim('|').Split('|').Select(c => c.Trim().Trim('`')).ToArray();
            if (cells.Length != 3 || !long.TryParse(cells[1], NumberStyles.None, CultureInfo.InvariantCulture, out long bytes)) continue;
            if (cells[2].Length != 64) continue;
            string file = Path.Combine(dir, cells[0]);
            if (File.Exists(file) && File.GetLastWriteTimeUtc(file) <= written) result[cells[0]] = (bytes, cells[2]);
        }
        return result;
    }
}
