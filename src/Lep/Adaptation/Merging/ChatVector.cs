using System.Diagnostics;
using System.Text.Json.Nodes;
using Lep.Adaptation.Propagation;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Provenance;
using Lep.Tokenization.Vocabulary;

namespace Lep.Adaptation.Merging;

/// <summary>What `lep merge chat-vector` does: D + (I − B) on every tensor the three share, written to <see
/// cref="Output"/>.</summary>
public sealed record ChatVectorOptions
{
    /// <summary>B: the base model (old vocabulary).</summary>
    public required string Base { get; init; }
    /// <summary>I: the instruct model (B's vocabulary).</summary>
    public required string Instruct { get; init; }
    /// <summary>D: B after continued pre-training (any vocabulary).</summary>
    public required string Donor { get; init; }
    /// <summary>The merged model dir to write.</summary>
    public required string Output { get; init; }
    /// <summary>An existing output may be replaced (the CLI's --force, after its input checks).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>Keep D's embedding and head rows (only the special tokens come from I).</summary>
    public bool SkipEmbed { get; init; } = ChatVectorSchema.SkipEmbed.Default;
    /// <summary>Rows per block when writing embed_tokens / lm_head.</summary>
    public int BlockRows { get; init; } = 2048;
    /// <summary>Maximal shard size of the output; null = the largest shard of D (one file when D has one).</summary>
    public long? MaxShardBytes { get; init; }
}

/// <summary>What a chat-vector merge wrote.</summary>
/// <param name="Output">the merged model dir</param>
/// <param name="Rows">rows of the output's embedding matrix (the donor's vocabulary)</param>
/// <param name="SharedRows">rows of tokens B and D share, which got I − B added</param>
/// <param name="SpecialRows">special-token rows taken from I</param>
/// <param name="AppendedRows">rows of I's added tokens the donor lacked, appended</param>
/// <param name="MergedTensors">tensors that got the chat vector</param>
/// <param name="DonorTensors">tensors kept as the donor's</param>
/// <param name="Seconds">wall time of the job</param>
/// <param name="Warnings">one line per thing the user should know</param>
public sealed record ChatVectorResult(string Output, int Rows, int SharedRows, int SpecialRows, int AppendedRows,
    int MergedTensors, int DonorTensors, double Seconds, IReadOnlyList<string> Warnings);

/// <summary>
/// Chat Vector (Huang et al., ACL 2024): I' = D + (θ_I − θ_B). Every tensor of D that B and I have under the same
/// name and shape gets the instruct model's difference added (float64, stored in D's dtype). embed_tokens/lm_head:
/// a row of a token that D's and B's vocabularies share (same bytes, as <see cref="VocabularyAlignment"/> matches
/// them) gets D_row + (I_row − B_row) of its old id, any other row stays D's; with <see cref="ChatVectorOptions.SkipEmbed"/>
/// all rows stay D's. Either way the added/special tokens of I (chat template tokens) get I's rows by content, those
/// D lacks appended, and the output carries I's chat template and configs with ids mapped — as <c>lep propagate</c>
/// writes them (<see cref="OutputVocabulary"/>). Streams tensor by tensor; the output dir appears only when complete.
/// </summary>
public static class ChatVector
{
    /// <summary>Writes D + (I − B): the instruct model's difference from its base added to the donor.</summary>
    public static ChatVectorResult Run(ChatVectorOptions options, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var warnings = new List<string>();
        using ModelInput b = ModelInput.Open(ChatVectorSchema.Base, options.Base);
        using ModelInput i = ModelInput.Open(ChatVectorSchema.Instruct, options.Instruct);
        using ModelInput d = ModelInput.Open(ChatVectorSchema.Donor, options.Donor);
        MergeInputs.RequireNewOutput(options.Output, b, i, d);
        b.RequireSameArchitecture(i);
        b.RequireSameArchitecture(d);
        b.RequireSameVocabulary(i);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BlockRows, 1);
        MergeInputs.RequireFloatVocabulary(b, i, d);

        // Output row → old id, for D's tokens that B has too (none when the rows stay D's).
        var shared = new Dictionary<int, int>();
        if (!options.SkipEmbed)
        {
            progress?.Report(("aligning vocabularies", 0));
            var alignment = VocabularyAlignment.Between(b.Tokenizer, b.Directory, d.Tokenizer, d.Directory);
            foreach (var (newId, oldId) in alignment.Shared) shared[newId] = oldId;
        }
        var plan = OutputVocabulary.Plan(d, i);
        foreach (int row in plan.Overrides.Keys) shared.Remove(row);

        using var staging = new StagingDirectory(options.Output, options.ReplaceOutput);
        var tensors = new List<PendingTensor>();
        var kept = new List<string>();
        int merged = 0;
        foreach (string name in TensorCopy.FileOrder(d.Weights))
        {
            TensorInfo info = d.Weights.Info(name);
            if (name == ModelInput.EmbedName || (name == ModelInput.HeadName && !d.Tied))
            {
                tensors.Add(new PendingTensor(name, info.DType, [plan.Rows, d.Config.HiddenSize],
                    s => WriteRows(s, name, info.DType, b, i, d, plan, shared, options.BlockRows, f => progress?.Report(($"writing {name}", f)))));
            }
            else if (name == ModelInput.HeadName)
            {
                continue; // tied: a stored head copy would contradict the new vocabulary
            }
            else if (MergeInputs.SameTensor(name, info, b.Weights) && MergeInputs.SameTensor(name, info, i.Weights))
            {
                tensors.Add(LinearCombination.Pending(name, info.DType, info.Shape, [(i.Weights, 1.0), (b.Weights, -1.0), (d.Weights, 1.0)]));
                merged++;
            }
            else
            {
                tensors.Add(TensorCopy.Pending(d.Weights, name));
                kept.Add(name);
            }
        }
        if (kept.Count > 0)
            warnings.Add($"{kept.Count} tensors of the donor have no counterpart of the same shape in both the base and the instruct model and were " +
                $"kept as they are: {string.Join(", ", kept.Take(5))}{(kept.Count > 5 ? ", …" : "")}");
        var dropped = i.Weights.Names.Where(n => !d.Weights.Contains(n) && !(n == ModelInput.HeadName && i.Tied)).ToList();
        if (dropped.Count > 0)
            warnings.Add($"{dropped.Count} tensors of the instruct model are not in the donor and were left out: {string.Join(", ", dropped.Take(5))}");

        progress?.Report(("writing", 0));
        long maxShard = options.MaxShardBytes ?? (d.Weights.Files.Count > 1 ? d.Weights.Files.Max(f => f.FileLength) : long.MaxValue);
        CheckpointWriter.WriteWeights(staging.Path, tensors, maxShard);
        plan.WriteTokenizerFiles(staging.Path, d, i, warnings);
        plan.WriteConfigs(staging.Path, i, warnings);

        var result = new ChatVectorResult(Path.GetFullPath(options.Output), plan.Rows, shared.Count, plan.Overrides.Count, plan.Appended.Count,
            merged, kept.Count, clock.Elapsed.TotalSeconds, warnings);
        JsonFile.Write(staging.File("chat-vector.json"), new JsonObject
        {
            ["base"] = Path.GetFullPath(b.Directory),
            ["instruct"] = Path.GetFullPath(i.Directory),
            ["donor"] = Path.GetFullPath(d.Directory),
            ["skip_embed"] = options.SkipEmbed,
            ["rows"] = result.Rows,
            ["rows_with_chat_vector"] = result.SharedRows,
            ["rows_from_instruct"] = result.SpecialRows,
            ["rows_appended_from_instruct"] = result.AppendedRows,
            ["tensors_with_chat_vector"] = result.MergedTensors,
            ["tensors_kept_from_donor"] = result.DonorTensors,
            ["seconds"] = Math.Round(result.Seconds, 3),
            ["warnings"] = new JsonArray(warnings.Select(w => (JsonNode?)w).ToArray()),
        });
        new ModelCard
        {
            Title = options.SkipEmbed ? "Chat Vector (skip_embed)" : "Chat Vector",
            Job = "lep merge chat-vector",
            What = "D + (θ_I − θ_B): the donor plus the instruct model's difference from the base.",
            Options = options,
            Inputs = [("--base", b.Directory), ("--instruct", i.Directory), ("--donor", d.Directory)],
            Numbers =
            [
                ("rows", result.Rows.ToString()), ("rows with the chat vector", result.SharedRows.ToString()),
                ("special rows from the instruct model", (result.SpecialRows + result.AppendedRows).ToString()),
                ("tensors with the chat vector", result.MergedTensors.ToString()),
            ],
        }.Write(staging.Path);
        staging.Commit();
        return result;
    }

    /// <summary>D's rows in blocks; shared rows + (I − B) of their old id; I's special rows by content; appended I rows.</summary>
    private static void WriteRows(Stream s, string name, DType dtype, ModelInput b, ModelInput i, ModelInput d, OutputVocabulary plan,
        Dictionary<int, int> shared, int block, Action<double> progress)
    {
        int dim = d.Config.HiddenSize;
        using var fromB = new MatrixRows(b.Weights, name);
        using var fromI = new MatrixRows(i.Weights, name);
        using var fromD = new MatrixRows(d.Weights, name);
        var rows = new double[block * dim];
        var delta = new double[dim];
        var baseRow = new double[dim];
        var bytes = new byte[block * dim * dtype.ItemSize()];
        long rowsD = fromD.Rows;
        for (long start = 0; start < rowsD; start += block)
        {
            int n = (int)Math.Min(block, rowsD - start);
            fromD.Read(start, n, rows);
            for (int r = 0; r < n; r++)
            {
                Span<double> row = rows.AsSpan(r * dim, dim);
                int id = (int)(start + r);
                if (plan.Overrides.TryGetValue(id, out int fromInstruct))
                {
                    fromI.Read(fromInstruct, 1, row);
                }
                else if (shared.TryGetValue(id, out int old))
                {
                    fromI.Read(old, 1, delta);
                    fromB.Read(old, 1, baseRow);
                    for (int k = 0; k < dim; k++) row[k] = delta[k] - baseRow[k] + row[k];
                }
            }
            MatrixRows.Narrow(rows.AsSpan(0, n * dim), dtype, bytes.AsSpan(0, n * dim * dtype.ItemSize()));
            s.Write(bytes, 0, n * dim * dtype.ItemSize());
            progress((double)(start + n) / rowsD);
        }
        foreach (int fromInstruct in plan.Appended.Select(a => a.InstructId))
        {
            fromI.Read(fromInstruct, 1, rows.AsSpan(0, dim));
            MatrixRows.Narrow(rows.AsSpan(0, dim), dtype, bytes.AsSpan(0, dim * dtype.ItemSize()));
            s.Write(bytes, 0, dim * dtype.ItemSize());
        }
    }
}
