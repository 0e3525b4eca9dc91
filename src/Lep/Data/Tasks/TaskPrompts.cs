using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Zoo;

namespace Lep.Data.Tasks;

/// <summary>
/// Prompts for self-calibration (DESIGN §1.5) from task records: the kinds with free answers (multiple choice has
/// none), minus <c>excludeKinds</c>; every English-prompt record and a seeded share of the Russian ones
/// (<see cref="InstructionData.Select"/>), the first <c>count</c>, as <c>{"prompt": …}</c> lines.
/// </summary>
internal static class TaskPrompts
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <returns>the number of prompts written (fewer than <paramref name="count"/> when the records run out)</returns>
    public static int Write(string tasksJsonl, string output, int count, double russianShare, int seed, IReadOnlyCollection<string> excludeKinds)
    {
        var records = InstructionData.Read(tasksJsonl).Where(r => !r.IsMultipleChoice && !excludeKinds.Contains(r.Kind)).ToList();
        var lines = InstructionData.Select(records, russianShare, seed).Take(count)
            .Select(r => new JsonObject { ["prompt"] = r.Prompt }.ToJsonString(Json)).ToList();
        File.WriteAllLines(output, lines);
        return lines.Count;
    }
}
