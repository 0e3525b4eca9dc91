using System.CommandLine;
using Lep.Formats.Gguf;

namespace Lep.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var export = new Command("export", "Convert a model to other formats.");
        export.Subcommands.Add(Gguf());
        return export;
    }

    private static Command Gguf()
    {
        var dir = SchemaOptions.Argument(GgufSchema.Model, "DIR");
        var output = new Argument<string>("OUT.gguf") { Description = "the GGUF file to write" };
        var outType = SchemaOptions.Create(GgufSchema.OutType);
        var unigramAsLlama = SchemaOptions.Create(GgufSchema.UnigramAsLlama);
        var force = ForceOption.Create();
        var command = new Command("gguf", "Write a GGUF file (llama/qwen2 architecture + tokenizer metadata) that llama.cpp loads.")
            { dir, output, outType, unigramAsLlama, force };
        CommandAction.Set(command, parse =>
        {
            string outPath = parse.GetValue(output)!;
            bool replace = parse.CheckOutput(force, outPath, Formats.OutputKind.File, parse.GetValue(dir));
            var options = new GgufExportOptions
            {
                ReplaceOutput = replace,
                MatrixType = GgufExportOptions.ParseMatrixType(parse.GetValue(outType)!),
                UnigramAsUgm = !parse.GetValue(unigramAsLlama),
            };
            GgufExportResult result = ConsoleUi.WithProgress("exporting GGUF", p => GgufExporter.Export(parse.GetValue(dir)!, outPath, options, p));
            if (result.PreTokenizerIsFallback)
                Console.Error.WriteLine($"warning: the tokenizer's split pattern is not one llama.cpp knows; wrote tokenizer.ggml.pre = '{result.PreTokenizer}', so llama.cpp " +
                    $"may split text differently");
            Console.WriteLine($"wrote {outPath}: {result.Architecture}, {result.TensorCount} tensors, {result.Bytes / 1048576.0:N1} MiB, tokenizer " +
                $"{result.TokenizerModel}{(result.PreTokenizer is null ? "" : $" ({result.PreTokenizer})")}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
