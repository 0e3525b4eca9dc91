using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Data.Tasks;

namespace Lep.Zoo;

/// <summary>
/// The evaluation suite the zoo and the demo measure: held-out text per language (bits/char, chars/token) and the test
/// split of the task data, one `lep eval` task file per (kind, prompt language).
/// </summary>
public static class EvalSuite
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

    /// <summary>A task record in `lep eval`'s layouts: question+choices+answer, or prompt+references (answer and accepted variants).</summary>
    private static string EvalLine(TaskRecord r)
    {
        JsonObject o = r.IsMultipleChoice
            ? new JsonObject { ["id"] = r.Id, ["question"] = r.Question, ["choices"] = new JsonArray(r.Choices!.Select(c => (JsonNode?)c).ToArray()), ["answer"] = r.AnswerIndex }
            : new JsonObject { ["id"] = r.Id, ["prompt"] = r.Prompt, ["references"] = new JsonArray(new[] { r.Answer! }.Concat(r.Accept ?? []).Distinct().Select(a => (JsonNode?)a).ToArray()) };
        return o.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
