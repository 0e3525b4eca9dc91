using Lep.Options;

namespace Lep.Evaluation.Report;

/// <summary>The input of `lep report` and the pipeline's "report" stage.</summary>
internal static class ReportSchema
{
    public static readonly OptionSpec<string[]> Results = OptionSpec.Paths("results",
        "`lep eval` output dirs (eval stages' artifacts) or results.json files, merged into one report: their models side by side", required: true);
}
