using System.Diagnostics;
using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Options;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;
using static TorchSharp.torch;

namespace Lep.Adaptation.Propagation;

/// <summary>The LEP modes of DESIGN §1.4 (the reference's code names in brackets).</summary>
public enum PropagationMode
{
    /// <summary>[straight] P = identity: D's rows copied into I.</summary>
    Swap,
    /// <summary>[union] fit E_B[S] → E_I[S] over the tokens S present in both vocabularies.</summary>
    Overlap,
    /// <summary>[mean] fit C(E_B) → C(E_I): the old rows mapped into V₁ by the init mapping (mean of sub-token rows).</summary>
    Conversion,
    /// <summary>like conversion with the sum of the sub-token rows.</summary>
    Sum,
    /// <summary>like conversion with weights from how often each new token overlaps each old one on a corpus.</summary>
    Cooccurrence,
    /// <summary>[bypass] fit E_B → E_I over the whole old vocabulary (every token id of V₀), the donor's tokenizer
    /// never consulted; then applied to the donor's rows like every mode.</summary>
    Bypass,
}

/// <summary>Whose reading of the method: ours (corrected), or the reference implementation's arithmetic.</summary>
public enum PropagationCompat
{
    /// <summary>Ours: byte-exact token matching, whitespace-weighted means, Cholesky in float64, P kept in float64.</summary>
    None,
    /// <summary>RefalMachine/ruadapt's ushanka: spelling re-encoding, plain means in the model dtype, decoded-string
    /// overlap, its row set and added-token rule, minimum-norm least squares (gelsy), P and the product in the model dtype.</summary>
    Ruadapt,
}

/// <summary>What `lep propagate` does: give the instruct model I the donor D's vocabulary through a projection fitted
/// from B to I.</summary>
public sealed record PropagationOptions
{
    /// <summary>B: the base model dir (old vocabulary).</summary>
    public required string Base { get; init; }
    /// <summary>I: the instruct model dir (B's vocabulary).</summary>
    public required string Instruct { get; init; }
    /// <summary>D: B with the new vocabulary and trained embeddings.</summary>
    public required string Donor { get; init; }
    /// <summary>The propagated model dir to write (I's weights, D's vocabulary).</summary>
    public required string Output { get; init; }
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>Which rows the projection is fitted on.</summary>
    public PropagationMode Mode { get; init; } = PropagateSchema.ParseMode(PropagateSchema.Mode.Default);
    /// <summary>Our reading of the method, or the reference implementation's arithmetic.</summary>
    public PropagationCompat Compat { get; init; } = PropagateSchema.ParseCompat(PropagateSchema.Compat.Default);
    /// <summary>Text tokenised both ways for <see cref="PropagationMode.Cooccurrence"/> (.txt or .jsonl).</summary>
    public string? Corpus { get; init; } = PropagateSchema.Corpus.Default;
    /// <summary>The arithmetic of the normal equations.</summary>
    public FitPrecision Precision { get; init; } = PropagateSchema.ParsePrecision(PropagateSchema.Precision.Default);
    /// <summary>Rows per block of the normal equations and of the output product.</summary>
    public int BlockRows { get; init; } = 2048;
    /// <summary>Maximal shard size of the output; null = the largest shard of I (one file when I has one).</summary>
    public long? MaxShardBytes { get; init; }
    /// <summary>Also write each P as raw little-endian float64 (d × d, row-major): projection-embed_tokens.f64, projection-lm_head.f64.</summary>
    public bool SaveProjections { get; init; } = PropagateSchema.SaveProjection.Default;

    /// <summary>The options' own rules (no input is looked at): throws <see cref="OptionException"/> naming the
    /// <see cref="PropagateSchema"/> options at fault.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new OptionException(PropagateSchema.Mode, $"{Mode} is not a mode");
        if (!Enum.IsDefined(Compat)) throw new OptionException(PropagateSchema.Compat, $"{Compat} is not a reading");
        if (Mode == PropagationMode.Cooccurrence && Corpus is null)
            throw new OptionException(PropagateSchema.Corpus, $"required with {PropagateSchema.Mode.Is("cooccurrence")} (text tokenised both ways)");
    }
}

/// <summary>One propagated matrix: its fit (absent for swap) and timing.</summary>
public sealed record MatrixReport(string Tensor, long FitRows, double? RelativeResidual, double Ridge, string Solver, double FitSeconds, double WriteSeconds, double FitFlops);

/// <summary>What a propagation wrote.</summary>
/// <param name="Output">the propagated model dir</param>
/// <param name="Mode">the mode used</param>
/// <param name="Rows">rows of the output's embedding matrix (D's vocabulary)</param>
/// <param name="Matrices">each propagated matrix (embedding, untied head) with its fit</param>
/// <param name="CopiedFromInstruct">special-token rows taken from I</param>
/// <param name="AppendedFromInstruct">rows of I's added tokens the donor lacked, appended</param>
/// <param name="CopiedTensors">tensors copied from I unchanged</param>
/// <param name="Seconds">wall time of the job</param>
/// <param name="Warnings">one line per thing the user should know</param>
public sealed record PropagationResult(string Output, PropagationMode Mode, int Rows, IReadOnlyList<MatrixReport> Matrices,
    int CopiedFromInstruct, int AppendedFromInstruct, int CopiedTensors, double Seconds, IReadOnlyList<string> Warnings);

/// <summary>
/// Learned Embedding Propagation: I' = I with D's vocabulary, its embedding (and head) rows E_D·P where P is the
/// least-squares map from B's rows to I's rows (per mode). Streams: the normal equations take O(d²) memory, every
/// row is read with positioned reads, every other tensor of I is copied byte for byte; nothing is written until all
/// inputs are validated, and the output dir appears only when complete.
/// </summary>
public static class Propagator
{
    /// <summary>Fits the projection per matrix, applies it to the donor's rows and writes I with them.</summary>
    public static PropagationResult Run(PropagationOptions options, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        options.Validate();
        var warnings = new List<string>();
        using ModelInput b = ModelInput.Open(PropagateSchema.Base, options.Base);
        using ModelInput i = ModelInput.Open(PropagateSchema.Instruct, options.Instruct);
        using ModelInput d = ModelInput.Open(PropagateSchema.Donor, options.Donor);
        Validate(options, b, i, d);

        bool ruadapt = options.Compat == PropagationCompat.Ruadapt;
        // The fit rows: which combinations of old rows stand for each fitted row (same for B and I).
        List<(int[] Ids, double[] Weights)> combos = [];
        if (options.Mode != PropagationMode.Swap)
        {
            progress?.Report(("aligning vocabularies", 0));
            combos = ruadapt
                ? RuadaptReading.FitRows(options.Mode, i, d, b.Embed.DType, () => CountCooccurrence(options, i.Tokenizer, d.Tokenizer, warnings), warnings)
                : options.Mode == PropagationMode.Bypass ? BypassRows(b, i)
                : FitRows(options, VocabularyAlignment.Between(b.Tokenizer, b.Directory, d.Tokenizer, d.Directory),
                    b.Tokenizer, d.Tokenizer, warnings);
            if (combos.Count == 0)
                throw d.Refused($"mode {options.Mode.ToString().ToLowerInvariant()}: no token of the donor's vocabulary maps to the base vocabulary, nothing to fit");
            long rowsNeeded = b.Config.HiddenSize;
            if (combos.Count < rowsNeeded)
                warnings.Add($"only {combos.Count} fit rows for hidden size {rowsNeeded}: the least-squares problem is underdetermined, "
                    + (ruadapt ? "the minimum-norm solution is taken" : "a ridge keeps it solvable"));
        }

        // The output tokenizer: D's, plus I's added tokens it lacks (chat tokens), appended after D's rows.
        var plan = OutputVocabulary.Plan(d, i);
        int ruadaptRows = ruadapt ? RuadaptReading.AddInstructRows(plan, d.Tokenizer, i.Tokenizer) : 0;
        if (ruadaptRows > 0) warnings.Add($"ruadapt: {ruadaptRows} added tokens of the donor take the instruct row of the single token its tokenizer encodes them to");

        var reports = new List<MatrixReport>();
        var projections = new Dictionary<string, Tensor?>();
        string[] matrices = [.. i.VocabularyTensors];
        try
        {
            for (int m = 0; m < matrices.Length; m++)
            {
                string name = matrices[m];
                if (options.Mode == PropagationMode.Swap)
                {
                    projections[name] = null;
                    continue;
                }
                var sw = Stopwatch.StartNew();
                int dim = b.Config.HiddenSize;
                using ILeastSquares eq = ruadapt ? new StreamingQr(dim) : new NormalEquations(dim, options.Precision);
                using (var fromB = new MatrixRows(b.Weights, name))
                using (var fromI = new MatrixRows(i.Weights, name))
                {
                    Accumulate(eq, combos, fromB, fromI, options, f => progress?.Report(($"fitting {Short(name)}", (m + f) / matrices.Length)));
                }
                ProjectionFit fit = eq.Solve();
                projections[name] = fit.P;
                double flops = 4.0 * fit.Rows * dim * dim;
                reports.Add(new MatrixReport(name, fit.Rows, fit.RelativeResidual, fit.Ridge, fit.Solver, sw.Elapsed.TotalSeconds, 0, flops));
                if (fit.Ridge > 0) warnings.Add($"{Short(name)}: the normal equations were ill-conditioned; solved with ridge {fit.Ridge:E2}");
            }

            using var staging = new StagingDirectory(options.Output, options.ReplaceOutput);
            var writeTimes = new Dictionary<string, double>();
            var tensors = new List<PendingTensor>();
            int copied = 0;
            foreach (string name in TensorCopy.FileOrder(i.Weights))
            {
                if (name == ModelInput.EmbedName || (name == ModelInput.HeadName && !i.Tied))
                {
                    Tensor? p = projections[name];
                    DType dtype = i.Weights.Info(name).DType;
                    // the reference casts P to the base model's dtype before the product
                    DType? pType = ruadapt ? b.Weights.Info(name).DType : null;
                    tensors.Add(new PendingTensor(name, dtype, [plan.Rows, i.Config.HiddenSize], s =>
                    {
                        var sw = Stopwatch.StartNew();
                        WriteRows(s, name, dtype, p, pType, d, i, plan, options.BlockRows, f => progress?.Report(($"writing {Short(name)}", f)));
                        writeTimes[name] = sw.Elapsed.TotalSeconds;
                    }));
                }
                else if (name == ModelInput.HeadName)
                {
                    continue; // tied: a stored head copy would contradict the new vocabulary
                }
                else
                {
                    tensors.Add(TensorCopy.Pending(i.Weights, name));
                    copied++;
                }
            }
            long maxShard = options.MaxShardBytes ?? (i.Weights.Files.Count > 1 ? i.Weights.Files.Max(f => f.FileLength) : long.MaxValue);
            progress?.Report(("writing", 0));
            CheckpointWriter.WriteWeights(staging.Path, tensors, maxShard);

            if (options.SaveProjections)
                foreach (var (name, p) in projections)
                    if (p is not null)
                    {
                        // keep the contiguous copy referenced while its bytes are read (a finalizer must not free it)
                        using Tensor c = p.contiguous();
                        File.WriteAllBytes(staging.File($"projection-{Short(name)}.f64"), c.bytes.ToArray());
                        GC.KeepAlive(c);
                    }
            plan.WriteTokenizerFiles(staging.Path, d, i, warnings);
            plan.WriteConfigs(staging.Path, i, warnings);

            var result = new PropagationResult(Path.GetFullPath(options.Output), options.Mode, plan.Rows,
                reports.Select(r => r with { WriteSeconds = writeTimes.GetValueOrDefault(r.Tensor) })
                    .Concat(options.Mode == PropagationMode.Swap ? matrices.Select(n => new MatrixReport(n, 0, null, 0, "identity", 0, writeTimes.GetValueOrDefault(n), 0)) : [])
                    .ToList(),
                plan.Overrides.Count, plan.Appended.Count, copied, clock.Elapsed.TotalSeconds, warnings);
            WriteReport(staging.File("propagation.json"), result, options, b, i, d, combos.Count);
            new Provenance.ModelCard
            {
                Title = $"LEP: propagated instruct model ({result.Mode.ToString().ToLowerInvariant()})",
                Job = "lep propagate",
                What = "The instruct model with the donor's vocabulary: its embedding (and head) rows are the donor's mapped by "
                    + "the least-squares projection from the base's rows to the instruct model's (Learned Embedding Propagation, arXiv 2412.21140).",
                Options = options,
                Inputs = [("--base", b.Directory), ("--instruct", i.Directory), ("--donor", d.Directory), .. options.Corpus is null ? [] : new[] { ("--corpus", options.Corpus) }],
                Numbers =
                [
                    ("rows", result.Rows.ToString()),
                    .. result.Matrices.Where(m => m.RelativeResidual is not null)
                        .Select(m => ($"{Short(m.Tensor)}: relative residual of the fit ({m.FitRows} " +
                            $"rows)", m.RelativeResidual!.Value.ToString("0.0000e0", System.Globalization.CultureInfo.InvariantCulture))),
                ],
            }.Write(staging.Path);
            staging.Commit();
            return result;
        }
        finally
        {
            foreach (Tensor? t in projections.Values) t?.Dispose();
        }
    }

    private static string Short(string name) => name == ModelInput.EmbedName ? "embed_tokens" : "lm_head";

    private static void Validate(PropagationOptions o, ModelInput b, ModelInput i, ModelInput d)
    {
        string Norm(string p) => Path.GetFullPath(p).TrimEnd('/');
        if (new[] { o.Base, o.Instruct, o.Donor }.Any(p => Norm(p) == Norm(o.Output)))
            throw new LepInputException(o.Output, "the output dir is one of the input dirs; choose a new directory");
        b.RequireSameArchitecture(i);
        b.RequireSameArchitecture(d);
        b.RequireSameVocabulary(i);
        if (d.Tokenizer.VocabSize != d.Embed.Shape[0])
            throw d.Refused($"embeddings have {d.Embed.Shape[0]} rows but its tokenizer.json has {d.Tokenizer.VocabSize} tokens");
        foreach (string name in i.VocabularyTensors)
            if (!i.Weights.Info(name).DType.IsFloat()) throw i.Refused($"'{name}' is not a float tensor");
        if (o.Mode == PropagationMode.Cooccurrence && !File.Exists(o.Corpus)) throw new OptionException(PropagateSchema.Corpus, $"{o.Corpus}: file not found");
        ArgumentOutOfRangeException.ThrowIfLessThan(o.BlockRows, 1);
    }

    private static List<(int[] Ids, double[] Weights)> FitRows(PropagationOptions o, VocabularyAlignment alignment,
        Tokenizer oldTok, Tokenizer newTok, List<string> warnings)
    {
        var rows = new List<(int[], double[])>();
        IEnumerable<TokenAlignment> mapped = alignment.Tokens.Where(t => !t.IsAdded && t.OldIds.Length > 0
            && t.Kind is AlignmentKind.Copied or AlignmentKind.Composed or AlignmentKind.Bytes);
        switch (o.Mode)
        {
            case PropagationMode.Overlap:
                foreach (var (_, oldId) in alignment.Shared) rows.Add(([oldId], [1.0]));
                break;
            case PropagationMode.Conversion:
                foreach (TokenAlignment t in mapped) rows.Add((t.OldIds, t.MeanWeights()));
                break;
            case PropagationMode.Sum:
                foreach (TokenAlignment t in mapped) rows.Add((t.OldIds, t.OldIds.Select(_ => 1.0).ToArray()));
                break;
            case PropagationMode.Cooccurrence:
            {
                Cooccurrence counts = CountCooccurrence(o, oldTok, newTok, warnings);
                int fallback = 0;
                foreach (TokenAlignment t in mapped)
                {
                    if (counts.Counts.TryGetValue(t.NewId, out var row) && row.Count > 0)
                    {
                        double total = row.Values.Sum();
                        var ordered = row.OrderBy(kv => kv.Key).ToArray();
                        rows.Add((ordered.Select(kv => kv.Key).ToArray(), ordered.Select(kv => kv.Value / total).ToArray()));
                    }
                    else
                    {
                        rows.Add((t.OldIds, t.MeanWeights()));
                        fallback++;
                    }
                }
                if (fallback > 0) warnings.Add($"cooccurrence: {fallback} tokens never seen in the corpus use the conversion mapping");
                break;
            }
        }
        return rows;
    }

    /// <summary>Bypass: every token id of V₀ that both matrices have, row to row.</summary>
    private static List<(int[] Ids, double[] Weights)> BypassRows(ModelInput b, ModelInput i)
    {
        long rows = Math.Min(b.Tokenizer.VocabSize, Math.Min(b.Embed.Shape[0], i.Embed.Shape[0]));
        var combos = new List<(int[], double[])>((int)rows);
        for (int id = 0; id < rows; id++) combos.Add(([id], [1.0]));
        return combos;
    }

    private static Cooccurrence CountCooccurrence(PropagationOptions o, Tokenizer oldTok, Tokenizer newTok, List<string> warnings)
    {
        Cooccurrence counts = Cooccurrence.Count(oldTok, newTok, DocumentReader.Read(o.Corpus!));
        if (counts.SkippedDocuments > 0)
            warnings.Add($"cooccurrence: {counts.SkippedDocuments} of {counts.SkippedDocuments + counts.Documents} documents skipped (their tokens do not spell the text)");
        return counts;
    }

    /// <summary>Feeds the least squares with blocks [C(E_B) | C(E_I)], each row a weighted sum of old rows. Under
    /// ruadapt each half is rounded to its matrix's dtype, as the reference computes the means in the model's dtype.</summary>
    private static unsafe void Accumulate(ILeastSquares eq, List<(int[] Ids, double[] Weights)> combos, MatrixRows fromB, MatrixRows fromI,
        PropagationOptions o, Action<double> progress)
    {
        int d = fromB.Columns;
        int block = o.BlockRows;
        bool single = combos.All(c => c.Ids.Length == 1 && c.Weights[0] == 1.0);
        ScalarType type = o.Precision == FitPrecision.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        using Tensor ab = empty([block, 2L * d], dtype: ScalarType.Float64);
        double[] gatherB = [], gatherI = [];
        for (int start = 0; start < combos.Count; start += block)
        {
            int n = Math.Min(block, combos.Count - start);
            var slice = combos.GetRange(start, n);
            // Unique old ids of this block, read once each in ascending order.
            int[] unique = slice.SelectMany(c => c.Ids).Distinct().Order().ToArray();
            var slot = new Dictionary<int, int>(unique.Length);
            for (int k = 0; k < unique.Length; k++) slot[unique[k]] = k;
            if (gatherB.Length < unique.Length * d) { gatherB = new double[unique.Length * d]; gatherI = new double[unique.Length * d]; }
            fromB.Gather(unique, gatherB);
            fromI.Gather(unique, gatherI);
            Span<double> dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(ab.bytes);
            for (int r = 0; r < n; r++)
            {
                var (ids, w) = slice[r];
                Span<double> rowA = dst.Slice(r * 2 * d, d), rowB = dst.Slice(r * 2 * d + d, d);
                if (single)
                {
                    int s = slot[ids[0]];
                    gatherB.AsSpan(s * d, d).CopyTo(rowA);
                    gatherI.AsSpan(s * d, d).CopyTo(rowB);
                    continue;
                }
                rowA.Clear();
                rowB.Clear();
                for (int k = 0; k < ids.Length; k++)
                {
                    int s = slot[ids[k]];
                    Axpy(w[k], gatherB.AsSpan(s * d, d), rowA);
                    Axpy(w[k], gatherI.AsSpan(s * d, d), rowB);
                }
            }
            using Tensor rows = ab.narrow(0, 0, n);
            if (o.Compat == PropagationCompat.Ruadapt && !single)
            {
                RoundInPlace(rows.narrow(1, 0, d), fromB.DType);
                RoundInPlace(rows.narrow(1, d, d), fromI.DType);
            }
            if (type == ScalarType.Float64) eq.Add(rows);
            else
            {
                using Tensor f = rows.to_type(ScalarType.Float32);
                eq.Add(f);
            }
            progress((double)(start + n) / combos.Count);
        }
    }

    private static void RoundInPlace(Tensor t, DType dtype)
    {
        using Tensor rounded = t.to_type(dtype.ToScalarType()).to_type(ScalarType.Float64);
        t.copy_(rounded);
    }

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        var va = new System.Numerics.Vector<double>(a);
        int k = 0, w = System.Numerics.Vector<double>.Count;
        for (; k + w <= x.Length; k += w)
        {
            var vy = new System.Numerics.Vector<double>(y[k..]);
            (vy + va * new System.Numerics.Vector<double>(x[k..])).CopyTo(y[k..]);
        }
        for (; k < x.Length; k++) y[k] += a * x[k];
    }

    /// <summary>Streams the output rows: D's rows times P (float32 product, P rounded from float64 — first to
    /// <paramref name="pType"/> when given), I's rows for its added tokens (by content), then the appended rows of I's
    /// tokens D lacks. Stored in I's dtype.</summary>
    private static unsafe void WriteRows(Stream s, string name, DType dtype, Tensor? p, DType? pType, ModelInput d, ModelInput i, OutputVocabulary plan,
        int block, Action<double> progress)
    {
        int dim = d.Config.HiddenSize;
        using var fromD = new MatrixRows(d.Weights, name);
        using var fromI = new MatrixRows(i.Weights, name);
        using Tensor? pRounded = pType is DType t ? p?.to_type(t.ToScalarType()) : null;
        using Tensor? p32 = (pRounded ?? p)?.to_type(ScalarType.Float32);
        using Tensor input = empty([block, dim], dtype: ScalarType.Float32);
        var rowBytes = new byte[block * dim * dtype.ItemSize()];
        var one = new float[dim];
        long rowsD = d.Embed.Shape[0];
        for (long start = 0; start < rowsD; start += block)
        {
            int n = (int)Math.Min(block, rowsD - start);
            Span<float> inSpan = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(input.bytes)[..(n * dim)];
            fromD.Read(start, n, inSpan);
            Tensor? product = null;
            Span<float> outSpan = inSpan;
            if (p32 is not null)
            {
                using Tensor x = input.narrow(0, 0, n);
                product = mm(x, p32);
                outSpan = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(product.bytes);
            }
            try
            {
                for (int r = 0; r < n; r++)
                {
                    if (plan.Overrides.TryGetValue((int)(start + r), out int fromInstruct))
                        fromI.Read(fromInstruct, 1, outSpan.Slice(r * dim, dim));
                }
                MatrixRows.Narrow(outSpan, dtype, rowBytes.AsSpan(0, n * dim * dtype.ItemSize()));
                s.Write(rowBytes, 0, n * dim * dtype.ItemSize());
            }
            finally
            {
                product?.Dispose();
            }
            progress((double)(start + n) / rowsD);
        }
        foreach (int fromInstruct in plan.Appended.Select(a => a.InstructId))
        {
            fromI.Read(fromInstruct, 1, one);
            MatrixRows.Narrow(one, dtype, rowBytes.AsSpan(0, dim * dtype.ItemSize()));
            s.Write(rowBytes, 0, dim * dtype.ItemSize());
        }
    }

    private static void WriteReport(string path, PropagationResult r, PropagationOptions o, ModelInput b, ModelInput i, ModelInput d, int fitRows)
    {
        var json = new JsonObject
        {
            ["mode"] = r.Mode.ToString().ToLowerInvariant(),
            ["compat"] = o.Compat.ToString().ToLowerInvariant(),
            ["precision"] = o.Compat == PropagationCompat.Ruadapt ? "float64 QR, P and product in the model dtype"
                : o.Precision == FitPrecision.Float64 ? "float64" : "float32 blocks, float64 sums",
            ["base"] = Path.GetFullPath(b.Directory),
            ["instruct"] = Path.GetFullPath(i.Directory),
            ["donor"] = Path.GetFullPath(d.Directory),
            ["corpus"] = o.Corpus is null ? null : Path.GetFullPath(o.Corpus),
            ["rows"] = r.Rows,
            ["fit_rows"] = fitRows,
            ["rows_copied_from_instruct"] = r.CopiedFromInstruct,
            ["rows_appended_from_instruct"] = r.AppendedFromInstruct,
            ["tensors_copied"] = r.CopiedTensors,
            ["seconds"] = Math.Round(r.Seconds, 3),
            ["matrices"] = new JsonArray(r.Matrices.Select(m => (JsonNode?)new JsonObject
            {
                ["tensor"] = m.Tensor,
                ["fit_rows"] = m.FitRows,
                ["relative_residual"] = m.RelativeResidual,
                ["ridge"] = m.Ridge,
                ["solver"] = m.Solver,
                ["fit_seconds"] = Math.Round(m.FitSeconds, 3),
                ["write_seconds"] = Math.Round(m.WriteSeconds, 3),
                ["fit_gflop"] = Math.Round(m.FitFlops / 1e9, 3),
            }).ToArray()),
            ["warnings"] = new JsonArray(r.Warnings.Select(w => (JsonNode?)w).ToArray()),
        };
        JsonFile.Write(path, json);
    }
}
