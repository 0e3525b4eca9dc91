using Lep.Evaluation.Results;

namespace Lep.Evaluation.Report;

/// <summary>Writes report.md and plots/*.png for a set of results.</summary>
internal static class ReportWriter
{
    public static IReadOnlyList<string> Write(EvalResults results, string outDir)
    {
        Directory.CreateDirectory(outDir);
        string plotDir = Path.Combine(outDir, "plots");
        Directory.CreateDirectory(plotDir);
        var plots = Plots.Render(results, plotDir);
        string md = MarkdownReport.Render(results, plots.Select(p => Path.GetRelativePath(outDir, p)).ToList());
        string path = Path.Combine(outDir, "report.md");
        using (var temporary = Formats.TemporaryPaths.File(Formats.StaleOutputs.Sibling(path, "tmp")))
        {
            File.WriteAllText(temporary.Path, md);
            File.Move(temporary.Path, path, overwrite: true);
        }
        return [path, .. plots];
    }
}
