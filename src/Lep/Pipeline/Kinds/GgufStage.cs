using Lep.Formats.Gguf;

namespace Lep.Pipeline.Kinds;

/// <summary>"gguf": `lep export gguf` of "model" into ARTIFACT/model.gguf for llama.cpp.</summary>
internal sealed class GgufStage : StageKind
{
    public const string FileName = "model.gguf";

    public override string Name => "gguf";
    public override string Description => $"a GGUF file for llama.cpp, ARTIFACT/{FileName} (lep export gguf)";

    public override StageAction Bind(StageOptions o)
    {
        string model = o.Get(GgufSchema.Model);
        var options = new GgufExportOptions
        {
            MatrixType = GgufExportOptions.ParseMatrixType(o.Get(GgufSchema.OutType)), UnigramAsUgm = !o.Get(GgufSchema.UnigramAsLlama),
        };
        return ctx =>
        {
            GgufExportResult r = ctx.Ui.Step($"{ctx.Name}: exporting GGUF", p => GgufExporter.Export(model, Path.Combine(ctx.Output, FileName), options, p));
            if (r.PreTokenizerIsFallback)
                ctx.Ui.Note($"warning: {ctx.Name}: the tokenizer's split pattern is not one llama.cpp knows; wrote tokenizer.ggml.pre = '{r.PreTokenizer}'");
            return $"{FileName}: {r.Architecture}, {r.TensorCount} tensors, {r.Bytes / 1048576.0:N1} MiB, tokenizer {r.TokenizerModel}";
        };
    }
}
