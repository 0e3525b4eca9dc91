using System.Text.Json;

namespace Lep.Formats;

/// <summary>
/// sha256 of large files remembered across processes in one JSON file, keyed by full path, size and modification time
/// (as git's index and ccache key theirs): hashing an 8B model's 16 GB of safetensors takes half a minute per load,
/// looking it up here none. A file rewritten changes its time and is hashed again. Lost updates between two processes
/// writing at once only cost a re-hash.
/// </summary>
internal sealed class FileDigestMemo(string memoFile)
{
    private sealed record Entry(long Bytes, long ModifiedTicks, string Sha256);

    public string Sha256(string path)
    {
        var info = new FileInfo(path);
        Dictionary<string, Entry> entries = Read();
        if (entries.TryGetValue(info.FullName, out Entry? e) && e.Bytes == info.Length && e.ModifiedTicks == info.LastWriteTimeUtc.Ticks)
            return e.Sha256;
        string sha = FileHash.Sha256(path);
        entries[info.FullName] = new Entry(info.Length, info.LastWriteTimeUtc.Ticks, sha);
        Write(entries);
        return sha;
    }

    private Dictionary<string, Entry> Read()
    {
        try
        {
            return File.Exists(memoFile) ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(memoFile)) ?? [] : [];
        }
        catch (JsonException)
        {
            return []; // a damaged memo is rebuilt, never trusted
        }
    }

    private void Write(Dictionary<string, Entry> entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(memoFile))!);
        string temp = $"{memoFile}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(entries));
        File.Move(temp, memoFile, overwrite: true);
    }
}
