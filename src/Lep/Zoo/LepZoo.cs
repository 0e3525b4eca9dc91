using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Pipeline;

namespace Lep.Zoo;

internal sealed record ZooBuildOptions
{
    public required string OutputDirectory { get; init; }
    /// <summary>Where the stages are kept for resuming (the pipeline's work dir).</summary>
    public required string WorkDirectory { get; init; }
    /// <summary>"full" (the zoo pipeline's own variables), "light" or "quick" (its profiles).</summary>
    public string Profile { get; init; } = ZooSchema.Profile.Default;
    /// <summary>A corpus dir from `lep data build`; when null the pipeline's corpus stage builds one.</summary>
    public string? CorpusDirectory { get; init; }
    public string Device { get; init; } = Runtime.DeviceSchema.Device.Default;
    /// <summary>Values for zoo.json's variables, over the profile's (e.g. toy sizes in tests).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
    /// <summary>Replace an output the build did not write, and run again the stages an earlier build in the work dir
    /// made with other settings (else both are refused).</summary>
    public bool Force { get; init; }
}

internal sealed record ZooBuildResult(JsonObject Manifest, PipelineRunResult Run);

/// <summary>
/// `lep zoo build`: a front-end over the built-in "zoo" pipeline (src/Lep/Pipeline/BuiltIn/zoo.json), which holds
/// every stage and the recipe. Runs it in the work dir with the chosen profile, corpus and device, then copies its
/// publish stage to the output (staged and renamed). The stages' markers decide what is done: a killed build resumes
/// stage by stage (training from its checkpoint), and a changed setting re-runs exactly the stages it affects, when asked.
/// </summary>
internal sealed class LepZoo(ZooBuildOptions options, IPipelineUi ui)
{
    public const string PipelineName = "zoo";
    public const string PublishStageName = "publish";
    public static IReadOnlyList<string> Profiles => ZooSchema.Profile.Choices!;

    /// <summary>The zoo pipeline with this build's variables (no process environment: the options decide).</summary>
    public PipelineDefinition Load()
    {
        if (!Profiles.Contains(options.Profile)) throw new LepInputException(options.Profile, $"unknown zoo profile (one of {string.Join(", ", Profiles)})");
        var variables = new Dictionary<string, string>(options.Variables, StringComparer.Ordinal) { ["LEP_DEVICE"] = options.Device };
        if (options.CorpusDirectory is string corpus) variables["LEP_CORPUS"] = Path.GetFullPath(corpus);
        return BuiltInPipelines.Load(PipelineName, new PipelineLoadOptions
        {
            Environment = variables.GetValueOrDefault, Profile = options.Profile == "full" ? null : options.Profile,
            WorkDirectory = options.WorkDirectory,
        });
    }

    /// <summary>What a run would do. Stages an earlier build in the work dir made with other settings are refused
    /// (naming them) unless <see cref="ZooBuildOptions.Force"/>, so a quick build never mixes with a full one.</summary>
    public PipelinePlan Plan(PipelineDefinition pipeline) => PipelinePlan.RefusingChanged(pipeline, options.Force, changed =>
        new LepInputException(options.WorkDirectory, $"holds a zoo build made with other settings ({changed}); --force runs those stages again, or use another --work"));

    public ZooBuildResult Build()
    {
        if (options.CorpusDirectory is string corpus) CheckCorpus(corpus);
        PipelineDefinition pipeline = Load();
        PipelinePlan plan = Plan(pipeline);
        PipelineRunResult run = new PipelineRunner(ui).Run(plan);
        string published = pipeline.Find(PublishStageName)!.ArtifactDirectory;
        using (var staging = new StagingDirectory(options.OutputDirectory, replace: options.Force || IsPublishedFrom(options.OutputDirectory, options.WorkDirectory)))
        {
            CopyTree(published, staging.Path);
            staging.Commit();
        }
        return new ZooBuildResult(JsonFile.ReadObject(Path.Combine(options.OutputDirectory, "manifest.json")), run);
    }

    /// <summary>True when <paramref name="output"/> holds what this work dir's publish stage wrote (an earlier run of
    /// the same build): it may be replaced without --force.</summary>
    public static bool IsPublishedFrom(string output, string workDirectory)
    {
        string mine = Path.Combine(output, "manifest.json"), published = Path.Combine(workDirectory, PublishStageName, "manifest.json");
        return File.Exists(mine) && File.Exists(published) && FileHash.Sha256(mine) == FileHash.Sha256(published);
    }

    public static string CheckCorpus(string given)
    {
        foreach (string f in new[] { "en_train.txt", "ru_train.txt", "en_heldout.txt", "ru_heldout.txt", "parallel_dict.en-ru.tsv" })
            if (!File.Exists(Path.Combine(given, f))) throw new LepInputException(given, $"not a corpus dir from `lep data build`: {f} is missing");
        return given;
    }

    /// <summary>The publish stage's files without its stage marker.</summary>
    private static void CopyTree(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from))
        {
            string target = Path.Combine(to, Path.GetFileName(dir));
            Directory.CreateDirectory(target);
            CopyTree(dir, target);
        }
        foreach (string file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) != StageMarker.FileName))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
