using System.Diagnostics;
using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Provenance;

namespace Lep.Adaptation.Merging;

/// <summary>How two models of one architecture are interpolated, tensor by tensor.</summary>
public enum MergeMethod
{
    /// <summary>θ = (1 − w)·θ_A + w·θ_B.</summary>
    Linear,
    /// <summary>Spherical interpolation per tensor (flattened), linear for nearly parallel tensors.</summary>
    Slerp,
}

/// <summary>What `lep merge linear|slerp` does: interpolate A and B with weight w into <see
/// cref="Output"/>.</summary>
public sealed record MergeOptions
{
    /// <summary>A: the model whose vocabulary, tokenizer and layout the output keeps (may have more rows than B).</summary>
    public required string A { get; init; }
    /// <summary>B: a model of the same architecture whose vocabulary is A's first rows.</summary>
    public required string B { get; init; }
    /// <summary>The merged model dir to write.</summary>
    public required string Output { get; init; }
    /// <summary>An existing output may be replaced (the CLI's --force, after its input checks).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>Linear or spherical interpolation.</summary>
    public MergeMethod Method { get; init; } = MergeSchema.ParseMethod(MergeSchema.Method.Default);
    /// <summary>w: 0 gives A, 1 gives B (all of A at w = 0 only without <see cref="CopySpecialRows"/>).</summary>
    public required double Weight { get; init; }
    /// <summary>The rows of B's added/special tokens are B's, whatever w (ElChat copies the chat model's special rows);
    /// false merges them like every other row.</summary>
    public bool CopySpecialRows { get; init; } = !MergeSchema.MergeSpecialRows.Default;
    /// <summary>Rows per block when writing embed_tokens / lm_head.</summary>
    public int BlockRows { get; init; } = 2048;
    /// <summary>Maximal shard size of the output; null = the largest shard of A (one file when A has one).</summary>
    public long? MaxShardBytes { get; init; }
}

/// <summary>How one tensor was merged: θ = A·x_A + B·x_B.</summary>
public sealed record TensorMerge(string Tensor, double CoefficientA, double CoefficientB, bool LinearFallback);

/// <summary>What a linear or slerp merge wrote.</summary>
/// <param name="Output">the merged model dir</param>
/// <param name="Method">the interpolation used</param>
/// <param name="Weight">w, the share of B</param>
/// <param name="Rows">rows of the output's embedding matrix (A's vocabulary)</param>
/// <param name="RowsOnlyInA">rows beyond B's vocabulary, kept as A's</param>
/// <param name="SpecialRowsFromB">special-token rows copied from B</param>
/// <param name="Tensors">how each tensor was merged</param>
/// <param name="Seconds">wall time of the job</param>
/// <param name="Warnings">one line per thing the user should know</param>
public sealed record MergeResult(string Output, MergeMethod Method, double Weight, int Rows, int RowsOnlyInA, int SpecialRowsFromB,
    IReadOnlyList<TensorMerge> Tensors, double Seconds, IReadOnlyList<string> Warnings);

/// <summary>
/// Linear or spherical merge of two models of one architecture (the last step of ElChat: the instruct model with an
/// expanded, trained vocabulary merged back with the original instruct model). Every tensor is (1 − w)·A + w·B, or
/// its slerp; for embed_tokens/lm_head that holds on B's rows, while the rows past B's (A's new tokens) stay A's and
/// the rows of B's added/special tokens (chat template tokens) are B's, copied as ElChat does. A's vocabulary must
/// extend B's: every token of B at the same id in A. The output keeps A's tokenizer, config and layout (A's chat
/// template, or B's when A has none). Streams tensor by tensor; the output dir appears only when complete.
/// </summary>
public static class ModelMerge
{
    /// <summary>Writes the interpolation of A and B (A's vocabulary and layout; rows only A has stay A's).</summary>
    public static MergeResult Run(MergeOptions options, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var warnings = new List<string>();
        using ModelInput a = ModelInput.Open(MergeSchema.A, options.A);
        using ModelInput b = ModelInput.Open(MergeSchema.B, options.B);
        Validate(options, a, b);
        double w = options.Weight;
        long rowsB = b.Embed.Shape[0];
        var specialRows = options.CopySpecialRows ? b.Tokenizer.AddedTokens.Tokens.Select(t => t.Id).Where(id => id < rowsB).ToHashSet() : [];

        var merges = new List<TensorMerge>();
        var tensors = new List<PendingTensor>();
        var onlyA = new List<string>();
        string[] names = [.. TensorCopy.FileOrder(a.Weights)];
        for (int n = 0; n < names.Length; n++)
        {
            string name = names[n];
            TensorInfo info = a.Weights.Info(name);
            bool vocabulary = name == ModelInput.EmbedName || (name == ModelInput.HeadName && !a.Tied);
            if (name == ModelInput.HeadName && a.Tied) continue; // tied: a stored head copy is not part of the model
            if (!vocabulary && !MergeInputs.SameTensor(name, info, b.Weights))
            {
                tensors.Add(TensorCopy.Pending(a.Weights, name));
                onlyA.Add(name);
                continue;
            }
            var (ca, cb, linear) = (1 - w, w, true);
            if (options.Method == MergeMethod.Slerp)
            {
                progress?.Report(("measuring angles", (double)n / names.Length));
                using var x = new MatrixRows(a.Weights, name, flatten: true);
                using var y = new MatrixRows(b.Weights, name, flatten: true);
                var (dot, nx, ny) = Slerp.Measure(x, y, vocabulary ? rowsB : x.Rows);
                (ca, cb, linear) = Slerp.Coefficients(dot, nx, ny, w);
            }
            merges.Add(new TensorMerge(name, ca, cb, linear));
            tensors.Add(vocabulary
                ? new PendingTensor(name, info.DType, info.Shape, s => WriteRows(s, name, info.DType, a, b, ca, cb, specialRows, options.BlockRows))
                : LinearCombination.Pending(name, info.DType, info.Shape, [(a.Weights, ca), (b.Weights, cb)]));
        }
        if (onlyA.Count > 0)
            warnings.Add($"{onlyA.Count} tensors of model A have no counterpart of the same shape in model B and were kept as they are: {string.Join(", ", onlyA.Take(5))}");

        using var staging = new StagingDirectory(options.Output, options.ReplaceOutput);
        progress?.Report(("writing", 0));
        long maxShard = options.MaxShardBytes ?? (a.Weights.Files.Count > 1 ? a.Weights.Files.Max(f => f.FileLength) : long.MaxValue);
        CheckpointWriter.WriteWeights(staging.Path, tensors, maxShard);
        ModelDirectory.CopyCompanionFiles(a.Directory, staging.Path);
        File.Copy(Path.Combine(a.Directory, "config.json"), staging.File("config.json"));
        CarryChatTemplate(b, staging.Path, warnings);

        int rowsA = checked((int)a.Embed.Shape[0]);
        var result = new MergeResult(Path.GetFullPath(options.Output), options.Method, w, rowsA, rowsA - (int)rowsB, specialRows.Count,
            merges, clock.Elapsed.TotalSeconds, warnings);
        WriteReport(staging.File("merge.json"), result, a, b);
        int fallbacks = merges.Count(m => m.LinearFallback);
        new ModelCard
        {
            Title = $"{options.Method} merge",
            Job = $"lep merge {options.Method.ToString().ToLowerInvariant()}",
            What = $"(1 − w)·A + w·B{(options.Method == MergeMethod.Slerp ? " interpolated on the sphere per tensor" : "")} with w = {w}; "
                + "rows past B's vocabulary are A's, B's special-token rows are B's.",
            Options = options,
            Inputs = [("--a", a.Directory), ("--b", b.Directory)],
            Numbers =
            [
                ("rows (A's vocabulary)", rowsA.ToString()), ("rows only in A", result.RowsOnlyInA.ToString()),
                ("special rows from B", result.SpecialRowsFromB.ToString()), ("tensors merged", merges.Count.ToString()),
                .. options.Method == MergeMethod.Slerp ? [("tensors merged linearly (nearly parallel)", fallbacks.ToString())] : Array.Empty<(string, string)>(),
            ],
        }.Write(staging.Path);
        staging.Commit();
        return result;
    }

    private static void Validate(MergeOptions o, ModelInput a, ModelInput b)
    {
        MergeInputs.RequireNewOutput(o.Output, a, b);
        MergeSchema.Weight.Require(o.Weight);
        ArgumentOutOfRangeException.ThrowIfLessThan(o.BlockRows, 1);
        a.RequireSameArchitecture(b);
        MergeInputs.RequireFloatVocabulary(a, b);
        if (a.Embed.Shape[0] < b.Embed.Shape[0])
            throw a.Refused(
                $"has {a.Embed.Shape[0]} embedding rows, fewer than the {b.Embed.Shape[0]} of {b.Role}: give the model with the larger (expanded) vocabulary as {a.Role}");
        const string Layout = "B's tokens at their ids, new tokens after them";
        for (int id = 0; id < b.Tokenizer.VocabSize; id++)
        {
            string? want = b.Tokenizer.IdToToken(id), got = a.Tokenizer.IdToToken(id);
            if (want is not null && got != want)
                throw a.Refused(
                    $"token {id} is {Show(got)} but that of {b.Role} is {Show(want)}: the vocabulary of {a.Role} must extend that of {b.Role} ({Layout})");
        }
    }

    private static string Show(string? token) => token is null ? "missing" : $"\"{token}\"";

    /// <summary>Rows below B's: ca·A + cb·B, B's own row for its special tokens; rows past B's: A's.</summary>
    private static void WriteRows(Stream s, string name, DType dtype, ModelInput a, ModelInput b, double ca, double cb, HashSet<int> specialRows, int block)
    {
        using var fromA = new MatrixRows(a.Weights, name);
        using var fromB = new MatrixRows(b.Weights, name);
        int dim = fromA.Columns;
        var rows = new double[block * dim];
        var other = new double[block * dim];
        var bytes = new byte[block * dim * dtype.ItemSize()];
        for (long start = 0; start < fromA.Rows; start += block)
        {
            int n = (int)Math.Min(block, fromA.Rows - start);
            fromA.Read(start, n, rows);
            int inB = (int)Math.Clamp(fromB.Rows - start, 0, n);
            if (inB > 0) fromB.Read(start, inB, other);
            for (int r = 0; r < inB; r++)
            {
                Span<double> row = rows.AsSpan(r * dim, dim);
                ReadOnlySpan<double> rowB = other.AsSpan(r * dim, dim);
                if (specialRows.Contains((int)(start + r)) || ca == 0) rowB.CopyTo(row);
                else if (cb != 0)
                {
                    LinearCombination.Add(row, row, ca, first: true);
                    LinearCombination.Add(row, rowB, cb);
                }
            }
            MatrixRows.Narrow(rows.AsSpan(0, n * dim), dtype, bytes.AsSpan(0, n * dim * dtype.ItemSize()));
            s.Write(bytes, 0, n * dim * dtype.ItemSize());
        }
    }

    /// <summary>A keeps its own chat template; when it has none and B has one, B's is carried over (the merge is a chat model).</summary>
    private static void CarryChatTemplate(ModelInput b, string dir, List<string> warnings)
    {
        string cfgPath = Path.Combine(dir, "tokenizer_config.json");
        JsonObject cfg = File.Exists(cfgPath) ? JsonFile.ReadObject(cfgPath) : new JsonObject();
        if (cfg["chat_template"] is not null || File.Exists(Path.Combine(dir, "chat_template.jinja")) || File.Exists(Path.Combine(dir, "chat_template.json"))) return;
        string bCfg = Path.Combine(b.Directory, "tokenizer_config.json");
        JsonNode? template = File.Exists(bCfg) ? JsonFile.ReadObject(bCfg)["chat_template"] : null;
        if (template is not null)
        {
            cfg["chat_template"] = template.DeepClone();
            JsonFile.Write(cfgPath, cfg);
            warnings.Add("model A has no chat template; B's was carried over");
        }
        foreach (string name in new[] { "chat_template.jinja", "chat_template.json" })
        {
            string src = Path.Combine(b.Directory, name);
            if (File.Exists(src)) File.Copy(src, Path.Combine(dir, name));
        }
    }

    private static void WriteReport(string path, MergeResult r, ModelInput a, ModelInput b) =>
        JsonFile.Write(path, new JsonObject
        {
            ["method"] = r.Method.ToString().ToLowerInvariant(),
            ["weight"] = r.Weight,
            ["a"] = Path.GetFullPath(a.Directory),
            ["b"] = Path.GetFullPath(b.Directory),
            ["rows"] = r.Rows,
            ["rows_only_in_a"] = r.RowsOnlyInA,
            ["special_rows_from_b"] = r.SpecialRowsFromB,
            ["seconds"] = Math.Round(r.Seconds, 3),
            ["tensors"] = new JsonArray(r.Tensors.Select(t => (JsonNode?)new JsonObject
            {
                ["tensor"] = t.Tensor, ["coefficient_a"] = t.CoefficientA, ["coefficient_b"] = t.CoefficientB, ["linear"] = t.LinearFallback,
            }).ToArray()),
            ["warnings"] = new JsonArray(r.Warnings.Select(w => (JsonNode?)w).ToArray()),
        });
}
