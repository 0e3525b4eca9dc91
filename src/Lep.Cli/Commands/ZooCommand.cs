using System.CommandLine;
using System.Text.Json.Nodes;
using Lep.Zoo;

namespace Lep.Cli.Commands;

public static class ZooCommand
{
    public static Command Create()
    {
        var zoo = new Command("zoo", "The bundled tiny base + instruct model pair.");
        zoo.Subcommands.Add(Build());
        return zoo;
    }

    private static Command Build()
    {
        var profile = new Option<string>("--profile")
        {
            Description = "full (the shipped models; hours on 2 cores), light (a light instruct stage like real ones; see README) or " +
            "quick (minutes; toy scale)", DefaultValueFactory = _ => "full"
        };
        profile.AcceptOnlyFromAmong("full", "light", "quick");
        var corpus = new Option<string?>("--corpus") { Description = "a corpus dir from `lep data build` (default: build one)" };
        var work = new Option<string?>("--work") { Description = "where stages are kept for resuming (default: OUT.work)" };
        var output = new Option<string>("--out")
        {
            Description = "where lep-tiny-base/, lep-tiny-instruct/ and manifest.json are " +
            "written", DefaultValueFactory = _ => "assets/zoo"
        };
        var recipe = new Option<string?>("--recipe")
        {
            Description = "a recipe JSON (e.g. an edited assets/zoo/recipe.json) instead of --profile; fields left out keep the full " +
            "profile's values"
        };
        var device = DeviceOption.Create();
        var force = ForceOption.Create();
        var command = new Command("build", "Rebuild the zoo from scratch: corpus → tokenizer → base pre-training → task data → instruction tuning → evaluation → manifest. " +
            "Resumable: re-run the same command.")
            { profile, recipe, corpus, work, output, device, force };
        CommandAction.Set(command, parse =>
        {
            string outDir = parse.GetValue(output)!;
            bool replace = parse.CheckOutput(force, outDir, Formats.OutputKind.Directory, parse.GetValue(corpus), parse.GetValue(recipe));
            Runtime.ComputeDevice.UseAllCores();
            var options = new ZooBuildOptions
            {
                Recipe = parse.GetValue(recipe) is string file ? ZooRecipe.Load(file) : ZooRecipe.Get(parse.GetValue(profile)!),
                CorpusDirectory = parse.GetValue(corpus),
                OutputDirectory = outDir,
                ReplaceOutput = replace,
                WorkDirectory = parse.GetValue(work) ?? outDir.TrimEnd('/') + ".work",
                Device = parse.GetValue(device)!,
            };
            JsonObject manifest = new ZooBuilder(options, new ConsoleJobUi()).Build();
            Console.WriteLine($"wrote {outDir} (stage seconds: {manifest["stage_seconds"]!.ToJsonString()})");
            return ExitCodes.Ok;
        });
        return command;
    }
}
