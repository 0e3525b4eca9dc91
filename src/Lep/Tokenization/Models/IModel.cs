using System.Text.Json;

namespace Lep.Tokenization.Models;

/// <summary>A tokenizer.json model: turns one pre-tokenized piece into token ids.</summary>
internal interface IModel
{
    /// <summary>Appends the ids of <paramref name="piece"/> to <paramref name="ids"/>.</summary>
    void Tokenize(string piece, List<int> ids);
    int? TokenToId(string token);
    string? IdToToken(int id);
    /// <summary>Number of entries in the model's vocabulary (HF <c>get_vocab_size</c>).</summary>
    int VocabSize { get; }
    /// <summary>A copy of the vocabulary, token → id.</summary>
    IReadOnlyDictionary<string, int> GetVocab();
    void WriteJson(Utf8JsonWriter w);
}
