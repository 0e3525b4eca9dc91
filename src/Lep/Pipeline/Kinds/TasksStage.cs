using Lep.Data.Tasks;
using Lep.Options;

namespace Lep.Pipeline.Kinds;

/// <summary>"tasks": `lep data tasks` — instruction/task data (copy, word translation, multiple choice, continuation,
/// summary) from a corpus dir, as train/dev/test JSONL.</summary>
internal sealed class TasksStage : StageKind
{
    public override string Name => "tasks";
    public override string Description => "task data from a corpus: train.jsonl, dev.jsonl, test.jsonl (lep data tasks)";

    public override StageAction Bind(StageOptions o)
    {
        string corpus = o.Get(TasksSchema.Corpus);
        var options = new TaskOptions { Seed = o.Get(TasksSchema.Seed) };
        return ctx =>
        {
            TaskSummary s = ctx.Ui.Step($"{ctx.Name}: generating tasks", p => TaskGenerator.Generate(corpus, ctx.Output, options, p));
            return string.Join(", ", s.RecordsPerSplit.Select(x => $"{x.Split} {x.Count:N0}")) + " records";
        };
    }
}
