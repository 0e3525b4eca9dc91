using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Tests.Support;
using Lep.Tokenization;
using static TorchSharp.torch;

namespace Lep.Tests.Architecture;

/// <summary>docs/library.md's example is this code: it compiles and runs here, and the page must show it verbatim.</summary>
public class LibraryExampleTests
{
    private static string Example(string modelDir, string outDir)
    {
        // example begins
        Tokenizer tokenizer = Tokenizer.Load(modelDir);
        int[] ids = tokenizer.Encode("Столица Франции —", addSpecialTokens: true);

        using LlamaForCausalLM model = LlamaForCausalLM.Load(modelDir);
        using Tensor logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0), lastOnly: true);
        int next = (int)logits[0, -1].argmax().item<long>();
        string continuation = tokenizer.Decode([next], skipSpecialTokens: true);

        GgufExportResult gguf = GgufExporter.Export(modelDir, Path.Combine(outDir, "model.gguf"),
            new GgufExportOptions { MatrixType = GgufExportOptions.ParseMatrixType("q8_0") });
        Console.WriteLine($"next: {continuation}; wrote {gguf.TensorCount} tensors, {gguf.Bytes} bytes");
        // example ends
        return continuation;
    }

    [Fact]
    public void The_documented_example_runs()
    {
        using var dir = new TempDir();
        string continuation = Example(Path.Combine(TestZoo.Shipped, "lep-tiny-instruct"), dir.Path);
        Assert.False(string.IsNullOrEmpty(continuation));
        Assert.True(new FileInfo(Path.Combine(dir.Path, "model.gguf")).Length > 0);
    }

    [Fact]
    public void The_page_shows_the_example_verbatim()
    {
        string[] source = File.ReadAllLines(Path.Combine(TestZoo.CheckoutRoot, "tests", "Lep.Tests", "Architecture", "LibraryExampleTests.cs"));
        int begin = Array.FindIndex(source, l => l.Trim() == "// example begins");
        int end = Array.FindIndex(source, l => l.Trim() == "// example ends");
        string code = string.Join("\n", source[(begin + 1)..end].Select(l => l.Length >= 8 ? l[8..] : l.Trim()));
        string page = File.ReadAllText(Path.Combine(TestZoo.CheckoutRoot, "docs", "library.md"));
        Assert.Contains(code, page);
    }
}
