namespace Lep.Evaluation.Tasks;

/// <summary>A suite is one task file or a directory of them (*.jsonl, *.json, *.txt; sorted by name, not recursive).
/// A pipeline stage's marker (stage.json, when the dir is an eval-suite stage's artifact) is not a task.</summary>
public static class SuiteLoader
{
    private const string StageMarkerFile = "stage.json";

    /// <summary>Reads every task of a suite (a task file or a directory of them), each recognised by its record
    /// layout.</summary>
    public static IReadOnlyList<EvalTask> Load(string fileOrDir)
    {
        string[] files;
        if (Directory.Exists(fileOrDir))
        {
            files = Directory.EnumerateFiles(fileOrDir)
                .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jsonl" or ".txt" or (".json"))
                .Where(f => !f.EndsWith(".task.json", StringComparison.OrdinalIgnoreCase) && Path.GetFileName(f) != StageMarkerFile)
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (files.Length == 0) throw new LepInputException(fileOrDir, "the suite directory has no task files (*.jsonl, *.json, *.txt)");
        }
        else if (File.Exists(fileOrDir))
        {
            files = [fileOrDir];
        }
        else
        {
            throw new LepInputException(fileOrDir, "suite not found (expected a task file or a directory of them)");
        }
        var tasks = files.Select(TaskReader.Read).ToList();
        var duplicate = tasks.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new LepInputException(duplicate.Skip(1).First().SourcePath, $"task name '{duplicate.Key}' is used by more than one file");
        return tasks;
    }

    /// <summary>Only the held-out texts (language-modelling tasks: bits/char, chars/token): what a base model, which has
    /// no chat template and never stops answering an instruction, is measured on.</summary>
    public static IReadOnlyList<EvalTask> HeldOutOnly(IReadOnlyList<EvalTask> tasks, string suite)
    {
        var kept = tasks.Where(t => t.Kind == TaskKind.LanguageModeling).ToList();
        if (kept.Count == 0) throw new LepInputException(suite, "has no held-out text (a .txt task) to measure with heldout-only");
        return kept;
    }
}
