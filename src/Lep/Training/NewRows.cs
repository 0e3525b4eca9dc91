using System.Text.Json;
using Lep.Formats;
using Lep.Tokenization.Vocabulary;

namespace Lep.Training;

/// <summary>The rows of a new vocabulary that training should learn, all read from the one alignment of the new
/// vocabulary with the old (<see cref="VocabularyAlignment"/>, alignment.json).</summary>
internal static class NewRows
{
    /// <summary>The log `lep init` wrote before donors carried their alignment.json; read for such donors only.</summary>
    public const string InitLogFile = "init_log.jsonl";

    /// <summary>The first id an extension added: the old vocabulary's size, from the alignment.json of a tokenizer dir
    /// (or that file).</summary>
    public static int FirstAddedId(string tokenizerDirOrAlignment)
    {
        VocabularyAlignment alignment = VocabularyAlignment.Load(tokenizerDirOrAlignment);
        if (alignment.OldVocabSize <= 0)
            throw new LepInputException(tokenizerDirOrAlignment, "its alignment records no old vocabulary size (is it a trained, not extended, tokenizer?)");
        return alignment.OldVocabSize;
    }

    /// <summary>The rows of a donor that `lep init` did not copy from the base (composed, byte-matched or unmapped
    /// tokens), from the alignment.json the donor dir carries. Works for replaced vocabularies, where new tokens are not
    /// a contiguous id range.</summary>
    public static int[] Of(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, VocabularyAlignment.FileName);
        if (File.Exists(path) && VocabularyAlignment.Load(path) is { Inputs: { } inputs } alignment)
        {
            string tokenizer = Path.Combine(modelDirectory, "tokenizer.json");
            if (!File.Exists(tokenizer) || FileHash.Sha256(tokenizer) != inputs.NewTokenizerSha256)
                throw new LepInputException(path, "was made for another tokenizer than the model dir's tokenizer.json");
            return alignment.NewRowIds;
        }
        if (File.Exists(Path.Combine(modelDirectory, InitLogFile))) return FromInitLog(Path.Combine(modelDirectory, InitLogFile));
        throw new LepInputException(modelDirectory, $"no {VocabularyAlignment.FileName}: training only the new rows needs a donor written by `lep init`");
    }

    private static int[] FromInitLog(string path)
    {
        var ids = new List<int>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.GetProperty("kind").GetString() != "copied") ids.Add(doc.RootElement.GetProperty("id").GetInt32());
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new LepInputException($"{path}:{lineNumber}", $"not an init log line ({e.Message})");
            }
        }
        return ids.ToArray();
    }
}
