using System.Text.Json;

namespace Lep.Training;

/// <summary>The rows of a donor that `lep init` did not copy from the base (composed, sampled or mean rows): the
/// vocabulary's new tokens, read from the init_log.jsonl the donor dir carries. Works for replaced vocabularies,
/// where new tokens are not a contiguous id range.</summary>
public static class NewRows
{
    public const string LogFile = "init_log.jsonl";

    public static int[] FromInitLog(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, LogFile);
        if (!File.Exists(path)) throw new LepInputException(modelDirectory, $"no {LogFile}: training only the new rows needs a donor written by `lep init`");
        var ids = new List<int>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.GetProperty("kind").GetString() != "copied") ids.Add(doc.RootElement.GetProperty("id").GetInt32());
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new LepInputException($"{path}:{lineNumber}", $"not an init log line ({e.Message})");
            }
        }
        return ids.ToArray();
    }
}
