using System.Text.Json.Nodes;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tokenization;

namespace Lep.Zoo;

/// <summary>The zoo's architecture: Llama (RMSNorm, RoPE, GQA, SwiGLU) with an untied head, like Llama-3-8B.</summary>
internal sealed record ZooArchitecture
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KeyValueHeads { get; init; }
    public required int MaxPositions { get; init; }
    public required double RopeTheta { get; init; }
}

/// <summary>The zoo's two starting points: the base's random weights, and the instruct model's start (the base with
/// the chat template and end-of-turn as its stop token).</summary>
internal static class ZooModels
{
    public const string BaseName = "lep-tiny-base";
    public const string InstructName = "lep-tiny-instruct";

    public static ModelConfig Config(Tokenizer tokenizer, ZooArchitecture a)
    {
        int bos = tokenizer.TokenToId(ZooTokenizer.Bos)!.Value, eos = tokenizer.TokenToId(ZooTokenizer.Eos)!.Value;
        var config = ModelConfig.Create("LlamaForCausalLM", tokenizer.VocabSize, a.HiddenSize, a.IntermediateSize, a.Layers, a.Heads,
            a.KeyValueHeads, tieWordEmbeddings: false, ropeTheta: a.RopeTheta, maxPositions: a.MaxPositions, bosTokenId: bos, eosTokenId: eos);
        config.Json["pad_token_id"] = tokenizer.TokenToId(ZooTokenizer.Pad);
        return config;
    }

    /// <summary>Random f32 weights for the zoo tokenizer in <paramref name="tokenizerDir"/>, written to <paramref name="output"/>.</summary>
    public static ModelConfig InitializeBase(string tokenizerDir, ZooArchitecture architecture, int seed, string output)
    {
        Tokenizer tokenizer = Tokenizer.Load(tokenizerDir);
        ModelConfig config = Config(tokenizer, architecture);
        using (var lm = new LlamaForCausalLM(config))
        {
            lm.InitializeRandom(seed);
            lm.Save(output, DType.F32);
        }
        ModelDirectory.CopyCompanionFiles(tokenizerDir, output);
        JsonFile.Write(Path.Combine(output, "generation_config.json"), new JsonObject
        {
            ["bos_token_id"] = tokenizer.TokenToId(ZooTokenizer.Bos),
            ["eos_token_id"] = tokenizer.TokenToId(ZooTokenizer.Eos),
            ["pad_token_id"] = tokenizer.TokenToId(ZooTokenizer.Pad),
        });
        return config;
    }

    /// <summary>The base's files (not its training curves or stage marker) with the chat template, and end-of-turn
    /// (then end-of-text) as stop tokens.</summary>
    public static void InitializeInstruct(string baseModel, string output)
    {
        string[] notCopied = ["metrics.jsonl", "loss.png", Pipeline.StageMarker.FileName];
        foreach (string f in Directory.GetFiles(baseModel).Where(f => !notCopied.Contains(Path.GetFileName(f))))
            File.Copy(f, Path.Combine(output, Path.GetFileName(f)));
        JsonFile.Write(Path.Combine(output, "tokenizer_config.json"), ZooTokenizer.TokenizerConfig(withChatTemplate: true));
        Tokenizer t = Tokenizer.Load(baseModel);
        JsonObject generation = JsonFile.ReadObject(Path.Combine(output, "generation_config.json"));
        generation["eos_token_id"] = new JsonArray(t.TokenToId(ZooTokenizer.TurnEnd), t.TokenToId(ZooTokenizer.Eos));
        JsonFile.Write(Path.Combine(output, "generation_config.json"), generation);
    }
}
