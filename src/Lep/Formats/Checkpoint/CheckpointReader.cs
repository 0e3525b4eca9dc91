using System.Text.Json.Nodes;
using Lep.Formats.Safetensors;

namespace Lep.Formats.Checkpoint;

/// <summary>
/// The weights of an HF checkpoint dir: <c>model.safetensors</c>, or shards listed by
/// <c>model.safetensors.index.json</c>. Every shard is memory-mapped and validated on open; tensors are read lazily.
/// </summary>
internal sealed class CheckpointReader : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files = [];
    private readonly Dictionary<string, (SafetensorsFile File, TensorInfo Info)> _tensors = new(StringComparer.Ordinal);

    public string Directory { get; }
    public IReadOnlyList<SafetensorsFile> Files => _files;
    public IEnumerable<string> Names => _tensors.Keys;
    public int Count => _tensors.Count;

    private CheckpointReader(string directory) => Directory = directory;

    public static bool HasWeights(string directory) =>
        File.Exists(Path.Combine(directory, SingleFile)) || File.Exists(Path.Combine(directory, IndexFile));

    public static CheckpointReader Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new LepInputException(directory, "directory not found");
        var reader = new CheckpointReader(directory);
        try
        {
            string index = Path.Combine(directory, IndexFile);
            string single = Path.Combine(directory, SingleFile);
            if (File.Exists(index)) reader.OpenSharded(index);
            else if (File.Exists(single)) reader.Add(SafetensorsFile.Open(single));
            else throw new LepInputException(directory, $"no {SingleFile} or {IndexFile}");
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    private void OpenSharded(string indexPath)
    {
        JsonObject index = JsonFile.ReadObject(indexPath);
        if (index["weight_map"] is not JsonObject map) throw new LepInputException(indexPath, "missing 'weight_map' object");
        var byShard = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            string shard = value is JsonValue v && v.TryGetValue(out string? s) ? s : throw new LepInputException(indexPath, $"weight_map entry '{name}' is not a file name");
            if (shard.Contains('/') || shard.Contains('\\') || shard.StartsWith('.'))
                throw new LepInputException(indexPath, $"weight_map entry '{name}' names '{shard}', not a file in this directory");
            if (!byShard.TryGetValue(shard, out var list)) byShard[shard] = list = [];
            list.Add(name);
        }
        foreach (var (shard, names) in byShard.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string shardPath = Path.Combine(Directory, shard);
            if (!File.Exists(shardPath)) throw new LepInputException(indexPath, $"shard '{shard}' named in weight_map does not exist");
            SafetensorsFile file = SafetensorsFile.Open(shardPath);
            _files.Add(file);
            foreach (string name in names)
            {
                if (!file.Contains(name)) throw new LepInputException(indexPath, $"weight_map puts '{name}' in '{shard}', which has no such tensor");
                _tensors[name] = (file, file[name]);
            }
            foreach (TensorInfo t in file.Tensors)
            {
                if (!_tensors.ContainsKey(t.Name)) throw new LepInputException(shardPath, $"tensor '{t.Name}' is not listed in {IndexFile}");
            }
        }
    }

    private void Add(SafetensorsFile file)
    {
        _files.Add(file);
        foreach (TensorInfo t in file.Tensors) _tensors[t.Name] = (file, t);
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorInfo Info(string name) => Lookup(name).Info;

    public SafetensorsFile FileOf(string name) => Lookup(name).File;

    private (SafetensorsFile File, TensorInfo Info) Lookup(string name) =>
        _tensors.TryGetValue(name, out var e) ? e : throw new LepInputException(Directory, $"checkpoint has no tensor '{name}'");

    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var (file, info) = Lookup(name);
        return file.GetBytes(info);
    }

    public long TotalBytes => _tensors.Values.Sum(e => e.Info.Length);

    public void Dispose()
    {
        foreach (SafetensorsFile f in _files) f.Dispose();
        _files.Clear();
    }
}
