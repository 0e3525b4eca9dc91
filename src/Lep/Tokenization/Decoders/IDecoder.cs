using System.Text.Json;

namespace Lep.Tokenization.Decoders;

/// <summary>A tokenizer.json decoder: transforms the list of token strings (HF <c>decode_chain</c>); the final
/// text is the concatenation of the result.</summary>
internal interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);
    void WriteJson(Utf8JsonWriter w);
}
