using System.CommandLine;
using Lep.Zoo;

namespace Lep.Cli.Commands;

/// <summary>`lep zoo build`: the built-in "zoo" pipeline, run by <see cref="LepZoo"/>, published to --out.</summary>
internal static class ZooCommand
{
    public static Command Create()
    {
        var zoo = new Command("zoo", "The bundled tiny base + instruct model pair.");
        zoo.Subcommands.Add(Build());
        return zoo;
    }

    private static Command Build()
    {
        var profile = SchemaOptions.Create(ZooSchema.Profile);
        var corpus = SchemaOptions.Create(ZooSchema.Corpus);
        var work = SchemaOptions.Create(ZooSchema.Work);
        var output = SchemaOptions.Create(ZooSchema.Out);
        var device = DeviceOption.Create();
        var force = ForceOption.Create();
        var command = new Command("build", "Rebuild the zoo from scratch: the built-in \"zoo\" pipeline (corpus → tokenizer → base pre-training → task data → " +
            "instruction tuning → evaluation → diagnostics), published to --out. Resumable: re-run the same command. To change the recipe: " +
            "`lep pipeline show zoo --source > my-zoo.json`, edit, `lep pipeline run my-zoo.json`.")
            { profile, corpus, work, output, device, force };
        CommandAction.Set(command, parse =>
        {
            string outDir = parse.GetValue(output)!;
            string workDir = parse.GetValue(work) ?? outDir.TrimEnd('/') + ".work";
            // The output of an earlier run of this build (what its work dir published) is replaced; anything else needs --force.
            parse.CheckResumableOutput(force, outDir, Formats.OutputKind.ResumableDirectory, dir => LepZoo.IsPublishedFrom(dir, workDir), parse.GetValue(corpus));
            Runtime.ComputeDevice.UseAllCores();
            var options = new ZooBuildOptions
            {
                Profile = parse.GetValue(profile)!, CorpusDirectory = parse.GetValue(corpus), OutputDirectory = outDir, WorkDirectory = workDir,
                Device = parse.GetValue(device)!, Force = parse.GetValue(force),
            };
            ZooBuildResult result = new LepZoo(options, new ConsolePipelineUi()).Build();
            Console.WriteLine($"wrote {outDir} (stage seconds: {result.Manifest["stage_seconds"]!.ToJsonString()})");
            return ExitCodes.Ok;
        });
        return command;
    }
}
