using Lep.Options;

namespace Lep.Formats.Gguf;

/// <summary>The options of `lep export gguf` and the pipeline's "gguf" stage; <see cref="GgufExportOptions"/> takes its
/// defaults from here.</summary>
internal static class GgufSchema
{
    public static readonly OptionSpec<string> Model = OptionSpec.Path("model", "an HF model directory (config.json, safetensors, tokenizer.json)");
    public static readonly OptionSpec<string> OutType = OptionSpec.Choice("outtype", "f16",
        "matrix storage: f16, f32, bf16 or q8_0 (8-bit blocks of 32 with an fp16 scale; rows not a multiple of 32 stay f16); norms and biases stay f32",
        [.. GgufExportOptions.MatrixTypeNames.Keys]);
    public static readonly OptionSpec<bool> UnigramAsLlama = OptionSpec.Flag("unigram-as-llama",
        "write a Unigram vocabulary as llama.cpp's 'llama' (SentencePiece) tokenizer like convert_hf_to_gguf.py, instead of the exact 't5' Unigram");
}
