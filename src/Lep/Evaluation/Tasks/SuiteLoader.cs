namespace Lep.Evaluation.Tasks;

/// <summary>A suite is one task file or a directory of them (*.jsonl, *.json, *.txt; sorted by name, not recursive).</summary>
public static class SuiteLoader
{
    public static IReadOnlyList<EvalTask> Load(string fileOrDir)
    {
        string[] files;
        if (Directory.Exists(fileOrDir))
        {
            files = Directory.EnumerateFiles(fileOrDir)
                .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jsonl" or ".txt" or (".json"))
                .Where(f => !f.EndsWith(".task.json", StringComparison.OrdinalIgnoreCase))
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
}
