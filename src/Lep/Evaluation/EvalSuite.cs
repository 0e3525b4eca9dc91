using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Data.Tasks;
using Lep.Evaluation.Report;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;

namespace Lep.Evaluation;

/// <summary>
/// The evaluation suite the zoo and the demo measure: held-out text per language (bits/char, chars/token) and the test
/// split of the task data, one `lep eval` task file per (kind, prompt language).
/// </summary>
internal static class EvalSuite
{
    /// <param name="include">keeps a task by its name (e.g. "copy_ru", "heldout_en"); null keeps all</param>
    public static string Write(string corpusDir, string tasksDir, string suiteDir, int itemsPerTask, Func<string, bool>? include = null)
    {
        include ??= _ => true;
        Directory.CreateDirectory(suiteDir);
        foreach (string lang in new[] { "en", "ru" })
        {
            if (!include($"heldout_{lang}")) continue;
            var docs = DocumentReader.Read(Path.Combine(corpusDir, $"{lang}_heldout.txt")).Take(itemsPerTask);
            File.WriteAllText(Path.Combine(suiteDir, $"heldout_{lang}.txt"), string.Join("\n\n", docs) + "\n");
        }
        foreach (var group in InstructionData.Read(Path.Combine(tasksDir, "test.jsonl")).GroupBy(r => $"{r.Kind}_{r.Lang}"))
        {
            if (!include(group.Key)) continue;
            File.WriteAllLines(Path.Combine(suiteDir, $"{group.Key}.jsonl"), group.Take(itemsPerTask).Select(EvalLine));
        }
        return suiteDir;
    }

    /// <summary>
    /// Instruct models on every task; base models (no chat template: they never stop answering, and the tasks are
    /// instructions) only on the held-out texts. One merged results.json + report with plots in <paramref name="outDir"/>;
    /// the two runs cache per (model, task) in outDir/instruct and outDir/base, so adding a model evaluates only it.
    /// </summary>
    public static EvalResults Evaluate(IReadOnlyList<(string Name, string Dir)> instruct, IReadOnlyList<(string Name, string Dir)> bases,
        string suiteDir, string outDir, EvalOptions options, TorchSharp.torch.Device device, IJobUi ui)
    {
        IReadOnlyList<EvalTask> all = SuiteLoader.Load(suiteDir);
        var runs = new List<EvalResults>();
        if (instruct.Count > 0) runs.Add(new Evaluator(options, ui).Run(instruct, all, Path.Combine(outDir, "instruct"), device));
        var lm = all.Where(t => t.Kind == TaskKind.LanguageModeling).ToList();
        if (bases.Count > 0 && lm.Count > 0) runs.Add(new Evaluator(options with { Speed = false }, ui).Run(bases, lm, Path.Combine(outDir, "base"), device));
        EvalResults merged = EvalResults.Merge(runs);
        Directory.CreateDirectory(outDir);
        merged.Save(outDir);
        ReportWriter.Write(merged, outDir);
        return merged;
    }

    /// <summary>A task record in `lep eval`'s layouts: question+choices+answer, or prompt+references (answer and accepted variants).</summary>
    private static string EvalLine(TaskRecord r)
    {
        JsonObject o = r.IsMultipleChoice
            ? new JsonObject { ["id"] = r.Id, ["question"] = r.Question, ["choices"] = new JsonArray(r.Choices!.Select(c => (JsonNode?)c).ToArray()), ["answer"] = r.AnswerIndex }
            : new JsonObject
            {
                ["id"] = r.Id, ["prompt"] = r.Prompt,
                ["references"] = new JsonArray(new[] { r.Answer! }.Concat(r.Accept ?? []).Distinct().Select(a => (JsonNode?)a).ToArray())
            };
        return o.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
