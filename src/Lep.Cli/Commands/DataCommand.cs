using System.CommandLine;
using System.Diagnostics;
using Lep.Data.Corpus;
using Lep.Data.Tasks;

namespace Lep.Cli.Commands;

public static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "Build training corpora from Debian packages and task data from corpora.");
        data.Subcommands.Add(Build());
        data.Subcommands.Add(Tasks());
        return data;
    }

    private static Command Build()
    {
        var output = new Option<string>("--out") { Description = "the corpus directory to write", Required = true };
        var profile = SchemaOptions.Create(CorpusSchema.Profile);
        var cache = new Option<string?>("--packages-cache")
        {
            Description = "where apt's private lists and the downloaded .debs are kept (default ~/.cache/lep/debian); reused " +
            "on the next run"
        };
        var force = ForceOption.Create();
        var command = new Command("build", "Download Debian packages without root (private apt lists), convert them to UTF-8 text, clean, split train/held-out and write " +
            "{ru,en}_train.txt, {ru,en}_heldout.txt, parallel_dict.en-ru.tsv and manifest.json.")
            { output, profile, cache, force };
        CommandAction.Set(command, parse =>
        {
            var clock = Stopwatch.StartNew();
            string cacheDir = parse.GetValue(cache) ?? CorpusBuildOptions.DefaultCacheDir();
            bool replace = parse.CheckOutput(force, parse.GetValue(output)!, Formats.OutputKind.Directory, cacheDir);
            SystemTools tools = SystemTools.Find();
            var options = new CorpusBuildOptions(parse.GetValue(output)!, CorpusProfile.Get(parse.GetValue(profile)!), cacheDir) { ReplaceOutput = replace };
            var builder = new CorpusBuilder(options, tools);
            FetchResult fetched = ConsoleUi.WithProgress("downloading packages", p => builder.Fetch(p));
            foreach (string m in fetched.Missing) Console.Error.WriteLine($"warning: package {m} is not available from the configured apt sources; skipped");
            if (tools.Groff is null) Console.Error.WriteLine("warning: groff not found; man pages are converted by a simple roff stripper");
            CorpusBuildSummary s = ConsoleUi.WithProgress("converting", p => builder.Convert(fetched, p));
            foreach (string lang in CorpusBuilder.Languages)
            {
                var train = s.Outputs.First(o => o.Name == $"{lang}_train.txt");
                var held = s.Outputs.First(o => o.Name == $"{lang}_heldout.txt");
                Console.WriteLine($"{lang}: train {train.Bytes / 1e6:N1} MB, {train.Documents:N0} docs; held-out {held.Bytes / 1e6:N2} MB, {held.Documents:N0} docs");
            }
            Console.WriteLine($"dictionary: {s.DictionaryPairs:N0} en-ru pairs");
            Console.WriteLine($"wrote {s.OutDir} in {clock.Elapsed.TotalSeconds:N0} s ({fetched.Debs.Count} packages, cache {options.CacheDir})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Tasks()
    {
        var corpus = SchemaOptions.Create(TasksSchema.Corpus);
        var output = new Option<string>("--out") { Description = "the task directory to write", Required = true };
        var seed = SchemaOptions.Create(TasksSchema.Seed);
        var force = ForceOption.Create();
        var command = new Command("tasks", "Generate instruction data (copy, word translation, multiple choice, continuation, lead-sentence summary) in English and Russian " +
            "prompts as train/dev/test JSONL.")
            { corpus, output, seed, force };
        CommandAction.Set(command, parse =>
        {
            bool replace = parse.CheckOutput(force, parse.GetValue(output)!, Formats.OutputKind.Directory, parse.GetValue(corpus));
            var options = new TaskOptions { Seed = parse.GetValue(seed), ReplaceOutput = replace };
            TaskSummary s = ConsoleUi.WithProgress("generating tasks", p => TaskGenerator.Generate(parse.GetValue(corpus)!, parse.GetValue(output)!, options, p));
            foreach (var (split, count) in s.RecordsPerSplit) Console.WriteLine($"{split}: {count:N0} records");
            Console.WriteLine($"wrote {s.OutDir}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
