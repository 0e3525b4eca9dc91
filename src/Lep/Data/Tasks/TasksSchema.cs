using Lep.Options;

namespace Lep.Data.Tasks;

/// <summary>The options of `lep data tasks` and the "tasks" stage kind.</summary>
internal static class TasksSchema
{
    public static readonly OptionSpec<string> Corpus = OptionSpec.Path("corpus", "a corpus directory ({ru,en}_train.txt, {ru,en}_heldout.txt, parallel_dict.en-ru.tsv)");
    public static readonly OptionSpec<int> Seed = OptionSpec.Int("seed", new TaskOptions().Seed, "random seed for sampling and distractors");
}
