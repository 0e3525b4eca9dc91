namespace Lep.Tokenization;

/// <summary>A token matched in raw text before the model runs (HF <c>AddedToken</c>).</summary>
public sealed record AddedToken(string Content, bool Special, bool SingleWord = false, bool LStrip = false, bool RStrip = false, bool? Normalized = null)
{
    /// <summary>Whether the token is matched against normalized text (default: not for special tokens).</summary>
    public bool IsNormalized => Normalized ?? !Special;
}
