using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Tokenization;
using Lep.Tokenization.Training;

namespace Lep.Zoo;

/// <summary>The zoo's special tokens and ChatML-style template, and the tokenizer trained with them.</summary>
internal static class ZooTokenizer
{
    public const string Bos = "<|begin_of_text|>";
    public const string Eos = "<|end_of_text|>";
    public const string TurnStart = "<|im_start|>";
    public const string TurnEnd = "<|im_end|>";
    public const string Pad = "<|pad|>";
    public static readonly string[] Specials = [Bos, Eos, TurnStart, TurnEnd, Pad];

    public const string ChatTemplate =
        "{{ bos_token }}{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}" +
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    /// <summary>Trains the byte-level BPE on <paramref name="corpusFile"/>; BOS is added to every encoded text.</summary>
    public static Tokenizer Train(string corpusFile, int vocabSize, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        var (trained, _) = BpeTrainer.Train(new CorpusReader(corpusFile), new BpeTrainerOptions { VocabSize = vocabSize, SpecialTokens = Specials }, progress);
        int bos = trained.TokenToId(Bos) ?? throw new InvalidOperationException("BOS missing after training");
        JsonObject json = JsonNode.Parse(trained.ToJson())!.AsObject();
        JsonObject Special(int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = Bos, ["type_id"] = typeId } };
        JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        json["post_processor"] = new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(Special(0), Sequence("A", 0)),
            ["pair"] = new JsonArray(Special(0), Sequence("A", 0), Special(1), Sequence("B", 1)),
            ["special_tokens"] = new JsonObject { [Bos] = new JsonObject { ["id"] = Bos, ["ids"] = new JsonArray(bos), ["tokens"] = new JsonArray(Bos) } },
        };
        return Tokenizer.FromJson(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), "zoo tokenizer");
    }

    public static JsonObject TokenizerConfig(bool withChatTemplate)
    {
        var config = new JsonObject
        {
            ["bos_token"] = Bos,
            ["eos_token"] = withChatTemplate ? TurnEnd : Eos,
            ["pad_token"] = Pad,
            ["add_bos_token"] = true,
            ["model_max_length"] = 1024,
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["clean_up_tokenization_spaces"] = false,
        };
        if (withChatTemplate) config["chat_template"] = ChatTemplate;
        return config;
    }
}
