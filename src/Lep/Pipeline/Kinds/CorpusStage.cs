using Lep.Data.Corpus;
using Lep.Options;

namespace Lep.Pipeline.Kinds;

/// <summary>"corpus": `lep data build` — {ru,en}_train.txt, {ru,en}_heldout.txt and the en-ru dictionary from Debian
/// packages (downloaded into the packages cache, ~/.cache/lep/debian, and reused from there).</summary>
internal sealed class CorpusStage : StageKind
{
    public override string Name => "corpus";
    public override string Description => "a corpus from Debian packages: {ru,en}_train.txt, {ru,en}_heldout.txt, parallel_dict.en-ru.tsv (lep data build)";

    public override StageAction Bind(StageOptions o)
    {
        string profile = o.Get(CorpusSchema.Profile);
        return ctx =>
        {
            var builder = new CorpusBuilder(new CorpusBuildOptions(ctx.Output, CorpusProfile.Get(profile), CorpusBuildOptions.DefaultCacheDir()), SystemTools.Find());
            FetchResult fetched = ctx.Ui.Step($"{ctx.Name}: downloading Debian packages", builder.Fetch);
            foreach (string m in fetched.Missing) ctx.Ui.Note($"warning: {ctx.Name}: package {m} is not available from the configured apt sources; skipped");
            CorpusBuildSummary s = ctx.Ui.Step($"{ctx.Name}: converting packages to text", p => builder.Convert(fetched, p));
            return $"profile {profile}: {fetched.Debs.Count} packages, " +
                   string.Join(", ", s.Outputs.Where(f => f.Name.EndsWith(".txt", StringComparison.Ordinal)).Select(f => $"{f.Name} {f.Documents:N0} docs")) +
                   $", {s.DictionaryPairs:N0} dictionary pairs";
        };
    }
}
