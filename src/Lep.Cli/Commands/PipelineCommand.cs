using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Pipeline;
using Lep.Training;

namespace Lep.Cli.Commands;

/// <summary>`lep pipeline run|show FILE`: the LEP stages from one JSON file (docs/pipeline.md).</summary>
public static class PipelineCommand
{
    public static Command Create()
    {
        var command = new Command("pipeline", "Run the LEP stages described by one JSON file; finished stages are skipped, interrupted ones resume (docs/pipeline.md).");
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Argument<string> FileArgument() => new("FILE")
    {
        Description = $"the pipeline file (JSON), or a built-in pipeline: " +
        $"{string.Join(", ", BuiltInPipelines.Names)}"
    };

    private static Option<string?> WorkOption() => new("--work") { Description = "the work dir (default: the file's \"work\", else FILE's name + .work beside it)" };

    private static Option<string?> ProfileOption() => new("--profile")
    {
        Description = "one of the file's \"profiles\": its values replace the file's \"variables\" (the " +
        "environment still wins)"
    };

    private static PipelineDefinition Load(ParseResult parse, Argument<string> file, Option<string?> work, Option<string?> profile) =>
        BuiltInPipelines.LoadFileOrBuiltIn(parse.GetValue(file)!, new PipelineLoadOptions { WorkDirectory = parse.GetValue(work), Profile = parse.GetValue(profile) });

    private static Command Run()
    {
        var file = FileArgument();
        var only = new Option<string[]>("--only")
        {
            Description = "run only this stage (repeatable); the stages it uses must have " +
            "finished", AllowMultipleArgumentsPerToken = true
        };
        var from = new Option<string?>("--from") { Description = "run from this stage to the end; earlier stages must have finished" };
        var force = new Option<string[]>("--force")
        {
            Description = "run this stage again from scratch (repeatable), even if finished or its options changed; later stages that " +
            "use it follow", AllowMultipleArgumentsPerToken = true
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the plan and check inputs; run nothing" };
        var work = WorkOption();
        var profile = ProfileOption();
        var cmd = new Command("run", "Run a pipeline: prints the plan (stage, kind, skip/run/resume), each stage's progress, and the stage times.")
            { file, only, from, force, dryRun, work, profile };
        CommandAction.Set(cmd, parse =>
        {
            PipelineDefinition pipeline = Load(parse, file, work, profile);
            var selection = new PipelineSelection
            {
                Only = parse.GetValue(only) ?? [], From = parse.GetValue(from), Force = parse.GetValue(force) ?? [],
            };
            PipelinePlan plan = PipelinePlan.Create(pipeline, selection);
            PrintPlan(plan);
            foreach (string w in plan.Warnings) Console.Error.WriteLine($"warning: {w}");
            plan.ThrowIfProblems();
            if (parse.GetValue(dryRun))
            {
                Console.WriteLine("dry run: nothing was run");
                return ExitCodes.Ok;
            }
            if (plan.Stages.All(s => !s.WillRun))
            {
                Console.WriteLine("nothing to do: every selected stage has finished");
                return ExitCodes.Ok;
            }
            Runtime.ComputeDevice.UseAllCores();
            PipelineRunResult result = new PipelineRunner(new ConsolePipelineUi()).Run(plan);
            PrintTimes(result);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Show()
    {
        var file = FileArgument();
        var json = new Option<bool>("--json") { Description = "print the resolved plan as JSON" };
        var source = new Option<bool>("--source") { Description = "print the file as written (a built-in pipeline's text: a copy to edit)" };
        var work = WorkOption();
        var profile = ProfileOption();
        var cmd = new Command("show", "Print the resolved plan: each stage's kind, artifact dir, what a run would do, and its options with paths resolved.")
            { file, json, source, work, profile };
        CommandAction.Set(cmd, parse =>
        {
            if (parse.GetValue(source))
            {
                Console.Write(BuiltInPipelines.TextOfFileOrBuiltIn(parse.GetValue(file)!));
                return ExitCodes.Ok;
            }
            PipelineDefinition pipeline = Load(parse, file, work, profile);
            PipelinePlan plan = PipelinePlan.Create(pipeline);
            if (parse.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["file"] = Path.GetFullPath(pipeline.FilePath),
                    ["work"] = pipeline.WorkDirectory,
                    ["variables"] = new JsonObject(pipeline.Variables.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                    ["left_out"] = new JsonArray(pipeline.LeftOut.Keys.Select(k => (JsonNode?)k).ToArray()),
                    ["stages"] = new JsonArray(plan.Stages.Select(s => (JsonNode?)new JsonObject
                    {
                        ["name"] = s.Stage.Name, ["kind"] = s.Stage.Kind.Name, ["dir"] = s.Stage.ArtifactDirectory,
                        ["state"] = s.StateName, ["reason"] = s.Reason, ["options_sha256"] = s.Stage.OptionsHash,
                        ["depends_on"] = new JsonArray(s.Stage.Dependencies.Select(d => (JsonNode?)d).ToArray()),
                        ["options"] = s.Stage.ResolvedOptions.DeepClone(),
                    }).ToArray()),
                    ["problems"] = new JsonArray(plan.Problems.Select(p => (JsonNode?)p).ToArray()),
                };
                Console.WriteLine(o.ToJsonString(new JsonSerializerOptions
                {
                    WriteIndented = true,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping
                }));
                return ExitCodes.Ok;
            }
            Console.WriteLine($"pipeline {pipeline.FilePath}{(pipeline.Description is string d ? $" — {d}" : "")}");
            Console.WriteLine($"work dir {pipeline.WorkDirectory}");
            if (pipeline.Variables.Count > 0)
                Console.WriteLine($"variables{(parse.GetValue(profile) is string p ? $" (profile {p})" : "")}: " +
                    $"{string.Join(", ", pipeline.Variables.Select(kv => $"{kv.Key}={kv.Value}"))}");
            if (pipeline.Profiles.Count > 0) Console.WriteLine($"profiles: {string.Join(", ", pipeline.Profiles)}");
            foreach (var (stage, variable) in pipeline.LeftOut) Console.WriteLine($"left out: {stage} ({variable} is set)");
            foreach (StagePlan s in plan.Stages)
            {
                Console.WriteLine();
                Console.WriteLine($"{s.Stage.Index + 1}. {s.Stage.Name} ({s.Stage.Kind.Name}) → {s.Stage.ArtifactDirectory}");
                Console.WriteLine($"   {s.StateName}: {s.Reason}{(s.Stage.Dependencies.Count > 0 ? $"; uses {string.Join(", ", s.Stage.Dependencies)}" : "")}");
                if (s.Stage.Description is string sd) Console.WriteLine($"   {sd}");
                foreach (var (key, value) in s.Stage.ResolvedOptions)
                    Console.WriteLine($"   {key} = {Display(value, s.Stage.Options[key])}");
            }
            if (plan.Problems.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine("a run would stop before starting:");
                foreach (string p in plan.Problems) Console.WriteLine($"  - {p}");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>A value for show: strings bare, references with where they point.</summary>
    private static string Display(JsonNode? resolved, JsonNode? canonical)
    {
        static string One(JsonNode? r, JsonNode? c)
        {
            if (r is JsonValue rv && rv.TryGetValue(out string? rs))
                return c is JsonValue cv && cv.TryGetValue(out string? cs) && cs.Contains('@') && cs != rs ? $"{cs} ({rs})" : rs;
            return r?.ToJsonString() ?? "null";
        }
        if (resolved is JsonArray ra)
            return "[" + string.Join(", ", ra.Select((r, i) => One(r, canonical is JsonArray ca && i < ca.Count ? ca[i] : null))) + "]";
        return One(resolved, canonical);
    }

    private static void PrintPlan(PipelinePlan plan)
    {
        PipelineDefinition p = plan.Pipeline;
        Console.WriteLine($"pipeline {p.FilePath}: {p.Stages.Count} stage(s), work dir {p.WorkDirectory}");
        int nameWidth = Math.Max(5, plan.Stages.Max(s => s.Stage.Name.Length));
        int kindWidth = Math.Max(4, plan.Stages.Max(s => s.Stage.Kind.Name.Length));
        foreach (StagePlan s in plan.Stages)
            Console.WriteLine($"  {s.Stage.Index + 1,2}  {s.Stage.Name.PadRight(nameWidth)}  {s.Stage.Kind.Name.PadRight(kindWidth)}  {s.StateName,-12}  {s.Reason}");
    }

    private static void PrintTimes(PipelineRunResult result)
    {
        Console.WriteLine("stage times:");
        int width = Math.Max(5, result.Stages.Max(s => s.Stage.Length));
        foreach (StageRunRecord r in result.Stages)
        {
            string state = r.State switch { StageState.NotSelected => "not selected", StageState.Skip => "skipped", _ => "ran" };
            Console.WriteLine($"  {r.Stage.PadRight(width)}  {state,-12}  {(r.State is StageState.Skip or StageState.NotSelected ? "–" : Seconds(r.Seconds)),10}");
        }
        Console.WriteLine($"  {"total".PadRight(width)}  {"",-12}  {Seconds(result.Seconds),10}");
    }

    internal static string Seconds(double s) => s < 60 ? $"{s:0.0} s" : s < 3600 ? $"{s / 60:0.0} min" : $"{s / 3600:0.00} h";
}
