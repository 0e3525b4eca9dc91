using System.Reflection;

namespace Lep.Pipeline;

/// <summary>
/// The pipeline files that ship inside lep (src/Lep/Pipeline/BuiltIn/NAME.json, embedded): `lep pipeline run|show NAME`
/// runs or prints one, and `lep demo` is a front-end over "demo".
/// </summary>
internal static class BuiltInPipelines
{
    private const string Prefix = "Lep.Pipeline.BuiltIn.";

    public static IReadOnlyList<string> Names { get; } = typeof(BuiltInPipelines).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^".json".Length]).Order(StringComparer.Ordinal).ToList();

    public static bool Exists(string name) => Names.Contains(name);

    /// <summary>The file as written (comments included): what a user copies to make their own.</summary>
    public static string Text(string name)
    {
        using Stream stream = typeof(BuiltInPipelines).Assembly.GetManifestResourceStream(Prefix + name + ".json")
            ?? throw new LepInputException(name, $"no built-in pipeline named '{name}' (built-in: {string.Join(", ", Names)})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Loads a built-in pipeline; its relative paths resolve against the current dir and are hashed absolute,
    /// so where lep is started from does not change a stage.</summary>
    public static PipelineDefinition Load(string name, PipelineLoadOptions? options = null) => PipelineDefinition.Parse(Text(name), name, options, fileOnDisk: false);

    /// <summary>A pipeline file, or a built-in pipeline's name when no such file exists.</summary>
    public static PipelineDefinition LoadFileOrBuiltIn(string fileOrName, PipelineLoadOptions? options = null) =>
        IsBuiltIn(fileOrName) ? Load(fileOrName, options) : PipelineDefinition.Load(fileOrName, options);

    /// <summary>The text of a pipeline file, or of a built-in pipeline when no such file exists.</summary>
    public static string TextOfFileOrBuiltIn(string fileOrName)
    {
        if (IsBuiltIn(fileOrName)) return Text(fileOrName);
        if (!File.Exists(fileOrName)) throw new LepInputException(fileOrName, $"pipeline file not found (built-in pipelines: {string.Join(", ", Names)})");
        return File.ReadAllText(fileOrName);
    }

    private static bool IsBuiltIn(string fileOrName) => !File.Exists(fileOrName) && !Directory.Exists(fileOrName) && Exists(fileOrName);
}
