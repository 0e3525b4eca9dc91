namespace Lep.Evaluation.Metrics;

/// <summary>Tokenizer-independent language-modelling measures: total negative log-likelihood (nats) over text units.</summary>
internal static class BitsPerCharacter
{
    public static double BitsPer(double totalNllNats, long units) => units <= 0 ? double.NaN : totalNllNats / (units * Math.Log(2));
}
