using System.Text.Json;

namespace Lep.Tokenization.PostProcessors;

/// <summary>A tokenizer.json post-processor (single sequence).</summary>
internal interface IPostProcessor
{
    /// <summary>The final ids for one encoded sequence.</summary>
    List<int> Process(List<int> ids, bool addSpecialTokens);
    void WriteJson(Utf8JsonWriter w);
}
