using System.Text.Json.Nodes;
using Lep.Adaptation;
using Lep.Data;
using Lep.Evaluation.Metrics;
using Lep.Evaluation.Results;
using Lep.Modeling;
using Lep.Tokenization;

namespace Lep.Evaluation;

/// <summary>
/// The facts about a base/instruct pair that decide whether LEP can work on it: drift and base→instruct residual
/// (<see cref="PairDrift"/>), and in-context copying of both models (<see cref="CopyProbe"/>) on held-out passages of
/// each language of a corpus dir.
/// </summary>
internal static class PairDiagnostics
{
    public static readonly string[] Languages = ["en", "ru"];

    public static JsonObject Measure(string corpusDir, string baseDir, string instructDir, int passages, string device, IProgress<double>? progress = null)
    {
        JsonObject report = DriftOnly(baseDir, instructDir);
        progress?.Report(0.2);
        var copy = new JsonObject();
        var models = new[] { ("base", baseDir), ("instruct", instructDir) };
        for (int m = 0; m < models.Length; m++)
        {
            var (role, dir) = models[m];
            copy[role] = CopyProbes(corpusDir, dir, passages, device);
            progress?.Report(0.2 + 0.4 * (m + 1));
        }
        report["copy_probe"] = copy;
        return report;
    }

    /// <summary>Drift and residual only (no model is run).</summary>
    public static JsonObject DriftOnly(string baseDir, string instructDir)
    {
        PairDriftReport drift = PairDrift.Measure(baseDir, instructDir);
        return new JsonObject
        {
            ["drift"] = new JsonObject
            {
                ["embed_tokens"] = TaskResult.Round(drift.EmbeddingDrift),
                ["lm_head"] = drift.HeadDrift is double h ? TaskResult.Round(h) : null,
                ["layers_mean"] = TaskResult.Round(drift.LayerDrift),
                ["layer_matrices"] = drift.LayerMatrices,
            },
            ["fit_residual"] = new JsonObject
            {
                ["embed_tokens"] = TaskResult.Round(drift.EmbeddingResidual),
                ["lm_head"] = drift.HeadResidual is double r ? TaskResult.Round(r) : null,
                ["rows"] = drift.SharedRows,
            },
        };
    }

    /// <summary>
    /// Real instruct siblings drift 0.02–0.2 on embeddings and head (DESIGN §3); LEP's premise is that closeness.
    /// </summary>
    public const double RealPairDriftLimit = 0.2;

    /// <summary>One line a user can act on.</summary>
    public static string Reading(JsonObject report)
    {
        double embed = report["drift"]!["embed_tokens"]!.GetValue<double>();
        double head = report["drift"]!["lm_head"]?.GetValue<double>() ?? 0;
        double worst = Math.Max(embed, head);
        return worst <= RealPairDriftLimit
            ? $"drift {worst:0.000} ≤ {RealPairDriftLimit}: as close as real instruct siblings are to their bases; LEP's premise holds"
            : $"warning: drift {worst:0.000} > {RealPairDriftLimit}: the instruct model moved further from its base than real siblings do (0.02–0.2); propagated embeddings may " +
                $"not fit its layers";
    }

    /// <summary>The copy probe of one model on each language's held-out text (bits/char alone, repeated, ratio).</summary>
    public static JsonObject CopyProbes(string corpusDir, string modelDir, int passages, string device)
    {
        using var lm = LlamaForCausalLM.Load(modelDir, Runtime.ComputeDevice.Resolve(device));
        Tokenizer tokenizer = Tokenizer.Load(modelDir);
        var result = new JsonObject();
        foreach (string lang in Languages)
        {
            var texts = CopyProbe.Passages(DocumentReader.Read(Path.Combine(corpusDir, $"{lang}_heldout.txt")), passages);
            CopyProbeResult r = CopyProbe.Measure(lm, tokenizer, texts);
            result[lang] = new JsonObject
            {
                ["passages"] = r.Passages,
                ["bits_per_char_alone"] = TaskResult.Round(r.SingleBitsPerChar),
                ["bits_per_char_repeated"] = TaskResult.Round(r.RepeatBitsPerChar),
                ["ratio"] = TaskResult.Round(r.Ratio),
            };
        }
        return result;
    }
}
