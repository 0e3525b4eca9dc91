using System.Security.Cryptography;
using System.Text;
using Lep.Formats;
using Lep.Formats.Gguf;
using Lep.Options;
using Lep.Provenance;

namespace Lep.Modeling.LlamaCpp;

/// <summary>
/// GGUF exports of HF model dirs made on demand for the llama.cpp backend and kept in a cache dir (never in the model
/// dir): <c>CACHE/HASH-TYPE.gguf</c>, where HASH covers the exporter's revision and the sha256 of every file the export
/// reads (config.json, tokenizer.json, tokenizer_config.json, the safetensors). Changed weights or tokenizer give a new
/// key, so a stale export is never used; an export appears by rename, complete or not at all. The weights' digests are
/// remembered in CACHE/digests/sha256.json, so a second load of an unchanged model does not re-read its weights.
/// </summary>
internal static class GgufCache
{
    public static string DefaultDirectory() => UserCache.Directory("gguf");

    /// <summary>The cached export of <paramref name="modelDir"/> as <paramref name="type"/>, exported first if missing.</summary>
    /// <returns>the GGUF path and whether this call wrote it</returns>
    public static (string Path, bool Exported) Ensure(string modelDir, GgmlType type, string? cacheDir = null, IProgress<double>? progress = null)
    {
        string cache = Path.GetFullPath(cacheDir ?? DefaultDirectory());
        if (RealPath.IsSameOrUnder(RealPath.Resolve(cache), RealPath.Resolve(modelDir)))
            throw new OptionException(BackendSchema.GgufCache, $"{cache}: lies inside the model directory {modelDir}; lep does not write into a model directory (choose another)");
        string path = Path.Combine(cache, $"{Key(modelDir, Memo(cache))}-{TypeName(type)}.gguf");
        if (File.Exists(path)) return (path, false);
        Directory.CreateDirectory(cache);
        GgufExporter.Export(modelDir, path, new GgufExportOptions { MatrixType = type, ReplaceOutput = true }, progress);
        return (path, true);
    }

    public static string TypeName(GgmlType type) =>
        GgufExportOptions.MatrixTypeNames.FirstOrDefault(p => p.Value == type).Key ?? throw new ArgumentException($"no GGUF export type {type}");

    public static FileDigestMemo Memo(string cacheDir) => new(Path.Combine(cacheDir, "digests", "sha256.json"));

    /// <summary>The content key of a model dir (hex, 32 chars).</summary>
    public static string Key(string modelDir, FileDigestMemo? memo = null)
    {
        var sb = new StringBuilder($"lep-gguf-export/{GgufExporter.Revision}\n");
        foreach (string name in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
        {
            string file = Path.Combine(modelDir, name);
            sb.Append(name).Append(':').Append(File.Exists(file) ? FileHash.Sha256(file) : "-").Append('\n');
        }
        foreach (FileDigest d in WeightDigests.Of(modelDir, memo)) sb.Append(d.Name).Append(':').Append(d.Sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..32];
    }
}
