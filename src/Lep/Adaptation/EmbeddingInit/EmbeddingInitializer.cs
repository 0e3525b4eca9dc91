using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Options;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;
using static TorchSharp.torch;

namespace Lep.Adaptation.EmbeddingInit;

/// <summary>How rows of new tokens that are not in the old vocabulary are made (copied and special rows are always copied).</summary>
public enum InitMethod
{
    /// <summary>Mean of the old sub-token rows; whitespace-only pieces weigh 0.1 when a token splits into several.</summary>
    Mean,
    /// <summary>Weighted mean, w_i ∝ exp(−m·i) (earlier pieces count more), times the whitespace weight.</summary>
    WMean,
    /// <summary>N(0, initializer_range²) per element.</summary>
    Random,
    /// <summary>Baseline (Hewitt 2021): a sample of N(μ, Σ) fitted to all old rows.</summary>
    MeanCov,
    /// <summary>Baseline (FOCUS/OMP-like): sparse convex combination of shared tokens, see <see cref="SparseOmp"/>.</summary>
    Omp,
}

/// <summary>The head's new rows: "own" applies the method to the old head rows; "tie" reuses the input embedding's vector.</summary>
public enum HeadInit
{
    /// <summary>The head's new rows come from the old head rows, by the same method as the embedding's.</summary>
    Own,
    /// <summary>The head's new row repeats the new input embedding row.</summary>
    Tie,
}

/// <summary>What `lep init` does: the base model, the new tokenizer, where the donor goes, and how new rows are
/// made.</summary>
public sealed record InitOptions
{
    /// <summary>B: the base model dir (old vocabulary).</summary>
    public required string Base { get; init; }
    /// <summary>The new tokenizer (a tokenizer dir or tokenizer.json) whose vocabulary the donor gets.</summary>
    public required string Tokenizer { get; init; }
    /// <summary>The donor dir to write (an HF model dir with the new tokenizer).</summary>
    public required string Output { get; init; }
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>How rows of tokens new to the vocabulary are made.</summary>
    public InitMethod Method { get; init; } = InitSchema.ParseMethod(InitSchema.Method.Default);
    /// <summary>How the head's new rows are made (untied models only).</summary>
    public HeadInit Head { get; init; } = InitSchema.ParseHead(InitSchema.Head.Default);
    /// <summary>Seed of the random and meancov draws.</summary>
    public int Seed { get; init; } = InitSchema.Seed.Default;
    /// <summary>m in w_i ∝ exp(−m·i) for <see cref="InitMethod.WMean"/>.</summary>
    public double WMeanDecay { get; init; } = InitSchema.WMeanDecay.Default;
    /// <summary>Weight of whitespace-only sub-tokens when a new token splits into several.</summary>
    public double WhitespaceWeight { get; init; } = VocabularyAlignment.DefaultWhitespaceWeight;
    /// <summary>Shared tokens combined per new token for <see cref="InitMethod.Omp"/>.</summary>
    public int OmpAtoms { get; init; } = InitSchema.OmpAtoms.Default;
    /// <summary>Rows computed and written per block (bounds memory on large vocabularies).</summary>
    public int BlockRows { get; init; } = 1024;
}

/// <param name="Warnings">special tokens of the base the new vocabulary lacks (dropped), one line each</param>
/// <summary>What `lep init` wrote.</summary>
/// <param name="Output">the donor dir written</param>
/// <param name="Rows">rows of the new embedding matrix</param>
/// <param name="ByMethod">how many rows each recipe made (copied, special, mean, …)</param>
/// <param name="CopiedTensors">tensors copied byte for byte from the base</param>
/// <param name="Seconds">wall time of the job</param>
public sealed record InitResult(string Output, int Rows, IReadOnlyDictionary<string, int> ByMethod, int CopiedTensors, double Seconds, IReadOnlyList<string> Warnings);

/// <summary>
/// `lep init`: the donor D = B with the new vocabulary's embedding (and head) rows initialised from B's (DESIGN §1.2).
/// Rows are computed and written block by block from positioned reads (one pass for the mean row, one more for the
/// covariance of meancov); every other tensor is copied byte for byte; init_log.jsonl records each token's recipe.
/// </summary>
public static class EmbeddingInitializer
{
    /// <summary>A new row: a weighted sum of old rows, or a random/sampled vector.</summary>
    private sealed record Recipe(string Method, int[] Ids, double[] Weights, bool Random = false, bool Sample = false);

    /// <summary>Writes the donor: B with the new tokenizer and its embedding (and head) rows initialised from
    /// B's.</summary>
    public static InitResult Run(InitOptions o, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        using ModelInput b = ModelInput.Open(InitSchema.Base, o.Base);
        string tokPath = Directory.Exists(o.Tokenizer) ? Path.Combine(o.Tokenizer, "tokenizer.json") : o.Tokenizer;
        if (!File.Exists(tokPath)) throw new OptionException(InitSchema.Tokenizer, $"{o.Tokenizer}: no tokenizer.json there");
        Tokenizer newTok = Tokenizer.Load(tokPath);
        string norm(string p) => Path.GetFullPath(p).TrimEnd('/');
        if (norm(o.Output) == norm(o.Base)) throw new LepInputException(o.Output, "the output dir is the base model dir; choose a new directory");
        InitSchema.WMeanDecay.Require(o.WMeanDecay);
        InitSchema.OmpAtoms.Require(o.OmpAtoms);

        progress?.Report(("aligning vocabularies", 0));
        VocabularyAlignment alignment = VocabularyAlignment.Between(b.Tokenizer, b.Directory, newTok, tokPath);
        SparseOmp? omp = o.Method == InitMethod.Omp
            ? new SparseOmp(alignment.Tokens.Where(t => t.Kind == AlignmentKind.Copied && !t.IsAdded).Select(t => (t.OldIds[0], t.Text)), o.OmpAtoms)
            : null;
        Recipe[] recipes = alignment.Tokens.Select(t => MakeRecipe(t, o, omp)).ToArray();
        int rows = recipes.Length;
        int dim = b.Config.HiddenSize;
        double range = b.Config.Json.GetDouble("initializer_range") ?? 0.02;

        using var staging = new StagingDirectory(o.Output, o.ReplaceOutput);
        var tensors = new List<PendingTensor>();
        int copied = 0;
        foreach (string name in b.Weights.Files.SelectMany(f => f.Tensors.OrderBy(t => t.Offset).Select(t => t.Name)))
        {
            if (name == ModelInput.EmbedName || (name == ModelInput.HeadName && !b.Tied))
            {
                DType dtype = b.Weights.Info(name).DType;
                // tie: the head's new rows are the input embedding's vectors (same recipes, same random draws);
                // rows of tokens the old vocabulary has are still copied from the old head.
                string source = name == ModelInput.HeadName && o.Head == HeadInit.Tie ? ModelInput.EmbedName : name;
                int stream = source == ModelInput.EmbedName ? 0 : 1;
                tensors.Add(new PendingTensor(name, dtype, [rows, dim], s =>
                    WriteRows(s, b, name, source, dtype, recipes, o, range, stream, f => progress?.Report(($"initialising {name}", f)))));
            }
            else if (name == ModelInput.HeadName) continue;
            else
            {
                tensors.Add(TensorCopy.Pending(b.Weights, name));
                copied++;
            }
        }
        long maxShard = b.Weights.Files.Count > 1 ? b.Weights.Files.Max(f => f.FileLength) : long.MaxValue;
        CheckpointWriter.WriteWeights(staging.Path, tensors, maxShard);

        List<string> warnings = WriteCompanions(staging.Path, b, newTok, tokPath, rows);
        // The donor carries the alignment it was made with: train --new-rows-only and propagate read it.
        alignment.Save(staging.File(VocabularyAlignment.FileName));
        alignment.WriteLog(staging.File("init_log.jsonl"), b.Tokenizer, t =>
        {
            Recipe r = recipes[t.NewId];
            return (r.Method, r.Random || r.Sample ? null : r.Weights);
        });
        // Recipes with other ids than the alignment (omp) are logged through their weights' ids: rewrite those lines.
        if (omp is not null) RewriteOmpLog(staging.File("init_log.jsonl"), recipes, b.Tokenizer);
        var byMethod = recipes.GroupBy(r => r.Method).ToDictionary(g => g.Key, g => g.Count());
        new Provenance.ModelCard
        {
            Title = "Donor: base model with a new vocabulary",
            Job = "lep init",
            What = "The base model with a new tokenizer; embedding and head rows of tokens the old vocabulary has are copied, "
                + "the others initialised from the old rows (init_log.jsonl says how, token by token). Train its embeddings next.",
            Options = o,
            Inputs = [("--base", b.Directory), ("--tokenizer", tokPath)],
            Numbers = [("rows", rows.ToString()), .. byMethod.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ($"rows by {kv.Key}", kv.Value.ToString()))],
        }.Write(staging.Path);
        staging.Commit();
        return new InitResult(Path.GetFullPath(o.Output), rows, byMethod, copied, clock.Elapsed.TotalSeconds, warnings);
    }

    private static Recipe MakeRecipe(TokenAlignment t, InitOptions o, SparseOmp? omp)
    {
        switch (t.Kind)
        {
            case AlignmentKind.Copied: return new Recipe("copy", t.OldIds, [1.0]);
            case AlignmentKind.Special: return new Recipe("special", t.OldIds, [1.0]);
            case AlignmentKind.Unmapped: return new Recipe("mean-row", [], []);
        }
        return o.Method switch
        {
            InitMethod.Mean => new Recipe("mean", t.OldIds, t.MeanWeights(o.WhitespaceWeight)),
            InitMethod.WMean => new Recipe("wmean", t.OldIds, t.MeanWeights(o.WhitespaceWeight, o.WMeanDecay)),
            InitMethod.Random => new Recipe("random", [], [], Random: true),
            InitMethod.MeanCov => new Recipe("meancov", [], [], Sample: true),
            InitMethod.Omp => omp!.Combine(t.Text) is var (ids, w) ? new Recipe("omp", ids, w)
                : new Recipe("mean", t.OldIds, t.MeanWeights(o.WhitespaceWeight)),
            _ => throw new ArgumentOutOfRangeException(nameof(o)),
        };
    }

    private static void WriteRows(Stream s, ModelInput b, string name, string source, DType dtype, Recipe[] recipes,
        InitOptions o, double range, int stream, Action<double> progress)
    {
        using var scope = NewDisposeScope();
        using var rows = new MatrixRows(b.Weights, source);
        using var own = new MatrixRows(b.Weights, name);
        int d = rows.Columns;
        bool needCov = recipes.Any(r => r.Sample);
        var (mean, cholesky) = Statistics(rows, needCov, o.BlockRows);
        int block = o.BlockRows;
        var values = new double[block * d];
        var floats = new float[block * d];
        var bytes = new byte[block * d * dtype.ItemSize()];
        double[] gathered = [];
        for (int start = 0; start < recipes.Length; start += block)
        {
            int n = Math.Min(block, recipes.Length - start);
            var slice = recipes.AsSpan(start, n);
            int[] unique = slice.ToArray().SelectMany(r => r.Ids).Distinct().Order().ToArray();
            if (gathered.Length < unique.Length * d) gathered = new double[unique.Length * d];
            rows.Gather(unique, gathered);
            int[] exact = slice.ToArray().Where(r => r.Method is "copy" or "special").SelectMany(r => r.Ids).Distinct().Order().ToArray();
            double[] exactRows = new double[exact.Length * d];
            own.Gather(exact, exactRows);
            var exactSlot = new Dictionary<int, int>(exact.Length);
            for (int k = 0; k < exact.Length; k++) exactSlot[exact[k]] = k;
            var slot = new Dictionary<int, int>(unique.Length);
            for (int k = 0; k < unique.Length; k++) slot[unique[k]] = k;
            Array.Clear(values);
            for (int r = 0; r < n; r++)
            {
                Recipe recipe = slice[r];
                Span<double> row = values.AsSpan(r * d, d);
                int id = start + r;
                if (recipe.Random)
                {
                    var rng = new Random(HashCode.Combine(o.Seed, id, stream));
                    for (int j = 0; j < d; j++) row[j] = range * Gaussian(rng);
                }
                else if (recipe.Sample)
                {
                    var rng = new Random(HashCode.Combine(o.Seed, id, stream, 7));
                    var z = new double[d];
                    for (int j = 0; j < d; j++) z[j] = Gaussian(rng);
                    for (int j = 0; j < d; j++)
                    {
                        double acc = mean[j];
                        for (int k = 0; k <= j; k++) acc += cholesky![j * d + k] * z[k];
                        row[j] = acc;
                    }
                }
                else if (recipe.Ids.Length == 0) mean.CopyTo(row);
                else if (recipe.Method is "copy" or "special") exactRows.AsSpan(exactSlot[recipe.Ids[0]] * d, d).CopyTo(row);
                else
                    for (int k = 0; k < recipe.Ids.Length; k++)
                    {
                        ReadOnlySpan<double> src = gathered.AsSpan(slot[recipe.Ids[k]] * d, d);
                        double w = recipe.Weights[k];
                        for (int j = 0; j < d; j++) row[j] += w * src[j];
                    }
            }
            for (int k = 0; k < n * d; k++) floats[k] = (float)values[k];
            // Copied rows are stored exactly as they were (widening then narrowing to the same dtype is exact).
            MatrixRows.Narrow(floats.AsSpan(0, n * d), dtype, bytes.AsSpan(0, n * d * dtype.ItemSize()));
            s.Write(bytes, 0, n * d * dtype.ItemSize());
            progress((double)(start + n) / recipes.Length);
        }
    }

    /// <summary>One pass over the old rows: their mean, and (for meancov) the Cholesky factor of their covariance.</summary>
    private static (double[] Mean, double[]? Cholesky) Statistics(MatrixRows rows, bool covariance, int block)
    {
        int d = rows.Columns;
        var sum = new double[d];
        using var scope = NewDisposeScope();
        Tensor? gram = covariance ? zeros(d, d, dtype: ScalarType.Float64) : null;
        var buffer = new double[block * d];
        for (long start = 0; start < rows.Rows; start += block)
        {
            int n = (int)Math.Min(block, rows.Rows - start);
            rows.Read(start, n, buffer.AsSpan(0, n * d));
            for (int r = 0; r < n; r++)
                for (int j = 0; j < d; j++) sum[j] += buffer[r * d + j];
            if (gram is not null)
            {
                using Tensor x = tensor(buffer, [block, d]).narrow(0, 0, n);
                gram.addmm_(x.t(), x);
            }
        }
        for (int j = 0; j < d; j++) sum[j] /= rows.Rows;
        if (gram is null) return (sum, null);
        Tensor mu = tensor(sum, [d, 1]);
        Tensor cov = gram / rows.Rows - mm(mu, mu.t());
        double jitter = 1e-6 * Math.Max(1e-12, cov.diagonal().mean().item<double>());
        Tensor l = linalg.cholesky(cov + eye(d, dtype: ScalarType.Float64) * jitter).contiguous();
        return (sum, MemoryMarshal.Cast<byte, double>(l.bytes).ToArray());
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static void RewriteOmpLog(string path, Recipe[] recipes, Tokenizer old)
    {
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (recipes[i].Method != "omp") continue;
            var o = JsonNode.Parse(lines[i])!.AsObject();
            o["old_ids"] = new JsonArray(recipes[i].Ids.Select(x => (JsonNode?)x).ToArray());
            o["old_tokens"] = new JsonArray(recipes[i].Ids.Select(x => (JsonNode?)old.IdToToken(x)).ToArray());
            o["weights"] = new JsonArray(recipes[i].Weights.Select(x => (JsonNode?)Math.Round(x, 6)).ToArray());
            lines[i] = o.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        }
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
    }

    /// <summary>config.json (new vocab_size, bos/eos/pad ids of the new tokenizer), tokenizer files, generation_config.json.
    /// Special tokens are mapped by their token; a role the new vocabulary lacks is dropped everywhere (never left
    /// pointing at an id or a token it does not have), with a warning.</summary>
    private static List<string> WriteCompanions(string dir, ModelInput b, Tokenizer newTok, string tokPath, int rows)
    {
        var warnings = new List<string>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        string tokDir = Path.GetDirectoryName(Path.GetFullPath(tokPath))!;
        bool ownDir = Path.GetFileName(tokPath) == "tokenizer.json" && File.Exists(Path.Combine(tokDir, "tokenizer_config.json"));
        File.Copy(tokPath, Path.Combine(dir, "tokenizer.json"));
        string configSource = ownDir ? tokDir : b.Directory;
        var roles = TokenizerFiles.ReadRoles(configSource);
        foreach (string name in ModelDirectory.TokenizerFiles.Where(n => n != "tokenizer.json"))
        {
            string src = Path.Combine(configSource, name);
            if (name == "tokenizer.model" && !ownDir) continue; // B's SentencePiece model does not describe the new vocabulary
            if (!File.Exists(src)) continue;
            string dst = Path.Combine(dir, name);
            void Dropped(string role, string token)
            {
                if (reported.Add(role == "additional_special_tokens" ? role + " " + token : role))
                    warnings.Add($"{role} '{token}' (named in {src}) is not in the new vocabulary; dropped");
            }
            if (name == "tokenizer_config.json") JsonFile.Write(dst, TokenizerFiles.UpdateConfig(newTok, JsonFile.ReadObject(src), Dropped));
            else if (name == "special_tokens_map.json")
            {
                JsonObject map = JsonFile.ReadObject(src);
                TokenizerFiles.DropMissingRoles(map, newTok, Dropped);
                JsonFile.Write(dst, map);
            }
            else File.Copy(src, dst, overwrite: true);
        }
        int? Role(string role, int? baseId)
        {
            if (roles.TryGetValue(role, out string? content) && newTok.TokenToId(content) is int id) return id;
            return baseId is int x && b.Tokenizer.IdToToken(x) is string c ? newTok.TokenToId(c) : null;
        }
        ModelConfig config = b.Config.Clone();
        int? bos = Role("bos_token", b.Config.BosTokenId);
        int[] eos = (roles.ContainsKey("eos_token") ? [Role("eos_token", null)] : b.Config.EosTokenIds.Select(e => Role("eos_token", e)))
            .OfType<int>().ToArray();
        int? pad = Role("pad_token", b.Config.PadTokenId);
        void Unset(string field, int? baseId, bool stillSet)
        {
            if (baseId is int x && !stillSet && !reported.Contains(field[..^"_id".Length]))
                warnings.Add($"{field} {x} ('{b.Tokenizer.IdToToken(x)}') of the base has no token in the new vocabulary; left unset in config.json");
        }
        Unset("bos_token_id", b.Config.BosTokenId, bos is not null);
        Unset("eos_token_id", b.Config.EosTokenIds.FirstOrDefault(-1) is int e0 && e0 >= 0 ? e0 : null, eos.Length > 0);
        Unset("pad_token_id", b.Config.PadTokenId, pad is not null);
        config.ReplaceVocabulary(rows, bos, eos, pad);
        config.Save(Path.Combine(dir, "config.json"));
        string gen = Path.Combine(b.Directory, "generation_config.json");
        if (File.Exists(gen))
        {
            JsonObject g = JsonFile.ReadObject(gen);
            if (bos is int bb) g["bos_token_id"] = bb; else g.Remove("bos_token_id");
            if (eos.Length > 0) g["eos_token_id"] = eos.Length == 1 ? eos[0] : new JsonArray(eos.Select(x => (JsonNode?)x).ToArray());
            else g.Remove("eos_token_id");
            if (pad is int pp) g["pad_token_id"] = pp; else g.Remove("pad_token_id");
            JsonFile.Write(Path.Combine(dir, "generation_config.json"), g);
        }
        return warnings;
    }
}
