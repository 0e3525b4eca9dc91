using Lep.Evaluation.Metrics;

namespace Lep.Tests.Evaluation;

public sealed class MetricTests
{
    [Fact]
    public void ChrF_matches_the_published_sacrebleu_sentence_example()
    {
        // The HF `chrf` metric card (sacreBLEU underneath): 61.576379378113785.
        double score = ChrF.Sentence("The relationship between Obama and Netanyahu is not exactly friendly.",
            "The ties between Obama and Netanyahu are not particularly friendly.");
        Assert.Equal(61.576379378113785, score, 10);
    }

    [Fact]
    public void ChrF_corpus_matches_the_published_two_sentence_example()
    {
        // Same metric card, corpus of two: 84.64214891738334 (statistics summed before the F-score).
        double score = ChrF.Corpus(
            ["The relationship between cats and dogs is not exactly friendly.", "a good bookshop is just a genteel black hole that knows how to read."],
            [["The relationship between dogs and cats is not exactly friendly."], ["A good bookshop is just a genteel Black Hole that knows how to read."]]);
        Assert.Equal(84.64214891738334, score, 10);
    }

    [Fact]
    public void ChrF_hand_worked_values()
    {
        // "abc" vs "abd": 1-grams 2/3 match, 2-grams 1/2, 3-grams 0/1, orders 4..6 have no n-grams (not averaged).
        // P = R = (2/3 + 1/2 + 0) / 3 = 7/18, so F_beta = 7/18 for any beta.
        Assert.Equal(100.0 * 7 / 18, ChrF.Sentence("abc", "abd"), 10);
        Assert.Equal(100.0, ChrF.Sentence("a b", "ab"), 10);          // white space is removed
        Assert.Equal(0.0, ChrF.Sentence("xyz", "abc"), 10);
        Assert.Equal(0.0, ChrF.Sentence("", "abc"), 10);
        // Recall weighs more (beta = 2): a prediction that is a prefix of the reference.
        // "ab" vs "abcd": P = (1 + 1) / 2 = 1; R = (2/4 + 1/3) / 2 = 5/12; F = 5·P·R / (4P + R) = (25/12) / (53/12) = 25/53.
        Assert.Equal(100.0 * 25 / 53, ChrF.Sentence("ab", "abcd"), 10);
        // Several references: the best one counts.
        Assert.Equal(100.0, ChrF.Sentence("кот", "собака", "кот"), 10);
    }

    [Fact]
    public void RougeL_matches_the_rouge_score_readme_example()
    {
        // google-research rouge_score README: P = 0.625, R = 0.5555556, F = 0.5882353 (LCS = 5 of 8 and 9 tokens).
        var s = RougeL.Compute("The quick brown dog jumps on the log.", "The quick brown fox jumps over the lazy dog");
        Assert.Equal(0.625, s.Precision, 7);
        Assert.Equal(5.0 / 9, s.Recall, 7);
        Assert.Equal(50.0 / 85, s.F, 7);
    }

    [Fact]
    public void RougeL_tokenizes_cyrillic()
    {
        // [кот, спит] vs [кот, не, спит]: LCS 2, P = 1, R = 2/3, F = 0.8.
        Assert.Equal(0.8, RougeL.Compute("Кот спит.", "кот не спит").F, 10);
        Assert.Equal(0.0, RougeL.Compute("", "кот").F);
    }

    [Theory]
    [InlineData(" Вода. ", "вода", 1)]
    [InlineData("«Вода»", "вода", 1)]
    [InlineData("Hello   world!", "hello world", 1)]
    [InlineData("\ufb01ne", "fine", 1)]          // NFKC folds the ligature
    [InlineData("водa", "вода", 0)]              // Latin 'a' is not Cyrillic 'а'
    [InlineData("ёж", "еж", 0)]                  // ё stays distinct
    [InlineData("вода вода", "вода", 0)]
    public void Exact_match_normalisation_rules(string prediction, string reference, double expected) =>
        Assert.Equal(expected, ExactMatch.Score(prediction, [reference]));

    [Fact]
    public void Exact_match_any_reference_and_strict()
    {
        Assert.Equal(1, ExactMatch.Score("водица", ["вода", "водица"]));
        Assert.Equal(0, ExactMatch.Strict("Вода", ["вода"]));
        Assert.Equal(1, ExactMatch.Strict(" Вода\n", ["Вода"]));
    }

    [Fact]
    public void Wilson_interval_hand_worked()
    {
        var (lo, hi) = Wilson.Interval(8, 10);     // textbook: [0.4902, 0.9433]
        Assert.Equal(0.4902, lo, 4);
        Assert.Equal(0.9433, hi, 4);
        var (lo0, hi0) = Wilson.Interval(0, 10);   // [0, z²/(n+z²)] = [0, 0.2775]
        Assert.Equal(0.0, lo0, 10);
        Assert.Equal(0.2775, hi0, 4);
    }

    [Fact]
    public void Bits_per_character_is_nll_over_chars_ln2()
    {
        Assert.Equal(1.0, BitsPerCharacter.BitsPer(10 * Math.Log(2), 10), 12);
        Assert.Equal(4, TextUnits.Characters("кот😀"));   // code points, not UTF-16 units
        Assert.Equal(10, TextUnits.Bytes("кот😀"));
    }
}
