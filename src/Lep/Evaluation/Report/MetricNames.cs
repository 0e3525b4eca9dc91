namespace Lep.Evaluation.Report;

internal static class MetricNames
{
    public static string Short(string metric) => metric switch
    {
        "accuracy" => "acc",
        "accuracy_norm" => "acc/char",
        "exact_match" => "EM",
        "exact_match_strict" => "EM strict",
        "chrf" => "chrF",
        "rouge_l" => "ROUGE-L",
        "bits_per_char" => "bits/char",
        "bits_per_byte" => "bits/byte",
        "chars_per_token" => "chars/token",
        _ => metric,
    };

    /// <summary>Metrics that are proportions of items (and so get a Wilson interval).</summary>
    public static bool IsProportion(string metric) => metric is "accuracy" or "accuracy_norm" or "exact_match" or "exact_match_strict";

    /// <summary>Metrics where a smaller value is better (the rest: larger is better).</summary>
    public static bool LowerIsBetter(string metric) => metric is "bits_per_char" or "bits_per_byte";
}
