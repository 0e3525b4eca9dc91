using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Lep.Provenance;

/// <summary>
/// The README.md lep writes into every model dir it makes, so a published model says how it was made: what it was
/// made from (each input's weight files with their sha256), by which job, options and command line, with which
/// version of lep, the numbers the job measured, and the sha256 of its own weight files (which the next job reuses
/// instead of hashing them again, see <see cref="WeightDigests"/>).
/// </summary>
internal sealed record ModelCard
{
    public const string FileName = "README.md";

    public required string Title { get; init; }
    /// <summary>The command that does this job, e.g. "lep merge chat-vector".</summary>
    public required string Job { get; init; }
    /// <summary>One or two sentences: what the model is.</summary>
    public required string What { get; init; }
    /// <summary>The job's options record: every public property with a value is listed.</summary>
    public object? Options { get; init; }
    public IReadOnlyList<(string Role, string Path)> Inputs { get; init; } = [];
    public IReadOnlyList<(string Name, string Value)> Numbers { get; init; } = [];

    /// <summary>The command line of this process when it is the lep CLI (the CLI sets it), shown on the card.</summary>
    public static string? CommandLine { get; set; }

    /// <summary>lep's version: the informational version of the library (with the git commit when built from a checkout).</summary>
    public static string Version =>
        typeof(ModelCard).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ModelCard).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Writes README.md into <paramref name="dir"/> (after its weights: they are hashed for the card).</summary>
    public void Write(string dir) => File.WriteAllText(Path.Combine(dir, FileName), Render(dir), new UTF8Encoding(false));

    public string Render(string dir)
    {
        var s = new StringBuilder();
        s.Append("---\ntags:\n- lep\n---\n\n");
        s.Append($"# {Title}\n\n{What}\n\n");
        s.Append($"Made by lep {Version} with `{Job}`.");
        if (CommandLine is not null) s.Append($" Command line:\n\n```\n{CommandLine}\n```");
        s.Append("\n\n");
        if (Inputs.Count > 0)
        {
            s.Append("## Made from\n\n| input | path | file | sha256 |\n|---|---|---|---|\n");
            foreach (var (role, path) in Inputs)
            {
                var digests = WeightDigests.Of(path);
                if (digests.Count == 0) s.Append($"| {role} | `{Path.GetFullPath(path)}` | | |\n");
                foreach (FileDigest f in digests) s.Append($"| {role} | `{Path.GetFullPath(path)}` | {f.Name} | `{f.Sha256}` |\n");
            }
            s.Append('\n');
        }
        var options = OptionRows(Options).ToList();
        if (options.Count > 0)
        {
            s.Append("## Options\n\n| option | value |\n|---|---|\n");
            foreach (var (name, value) in options) s.Append($"| {name} | {Cell(value)} |\n");
            s.Append('\n');
        }
        if (Numbers.Count > 0)
        {
            s.Append("## Measured\n\n| | |\n|---|---:|\n");
            foreach (var (name, value) in Numbers) s.Append($"| {Cell(name)} | {Cell(value)} |\n");
            s.Append('\n');
        }
        var own = WeightDigests.Of(dir);
        if (own.Count > 0) s.Append(WeightDigests.Section(own));
        return s.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");

    /// <summary>kebab-case option names (as on the command line) and invariant values; null values left out.
    /// Nested option records (lep's own types) are listed field by field as "outer.inner".</summary>
    public static IEnumerable<(string Name, string Value)> OptionRows(object? options, string prefix = "")
    {
        if (options is null) yield break;
        foreach (PropertyInfo p in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0) continue;
            object? raw = p.GetValue(options);
            string name = prefix + Kebab(p.Name);
            if (raw is not null && IsOptionRecord(raw.GetType()))
            {
                foreach (var row in OptionRows(raw, name + ".")) yield return row;
                continue;
            }
            string? value = Format(raw);
            if (value is not null) yield return (name, value);
        }
    }

    private static bool IsOptionRecord(Type t) =>
        t.IsClass && t != typeof(string) && t.Namespace?.StartsWith("Lep", StringComparison.Ordinal) == true && !typeof(IEnumerable).IsAssignableFrom(t);

    private static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable list => string.Join(", ", list.Cast<object?>().Select(Format).OfType<string>()),
        _ => value.ToString(),
    };

    private static string Kebab(string name)
    {
        var s = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsUpper(name[i - 1])) s.Append('-');
            s.Append(char.ToLowerInvariant(name[i]));
        }
        return s.ToString();
    }
}
