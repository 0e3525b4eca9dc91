using System.CommandLine;
using System.Text.Json;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Spectre.Console;

namespace Lep.Cli.Commands;

public static class InfoCommand
{
    public static Command Create()
    {
        var dir = SchemaOptions.Argument(InfoSchema.Model, "DIR");
        var json = new Option<bool>("--json") { Description = "print the summary as JSON" };
        var command = new Command("info", "Show a model's architecture, parameter count, dtypes, vocabulary and tokenizer.") { dir, json };
        CommandAction.Set(command, parse =>
        {
            string path = parse.GetValue(dir)!;
            if (File.Exists(path))
            {
                if (GgufReader.LooksLikeGguf(path) || path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) return Gguf(path, parse.GetValue(json));
                throw new LepInputException(path, "not a model directory or a GGUF file");
            }
            ModelSummary s = ModelSummary.Inspect(path);
            // What generate/init/propagate would reject, one `warning:` line each; info itself still succeeds.
            foreach (string w in s.Warnings) Console.Error.WriteLine($"warning: {w}");
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(s, new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var table = new Table().HideHeaders().AddColumn("key").AddColumn("value");
            table.AddRow("directory", Markup.Escape(s.Directory));
            table.AddRow("architecture", s.Architecture);
            table.AddRow("parameters", $"{s.ParameterCount:N0} ({Human(s.ParameterCount)})");
            table.AddRow("dtypes", string.Join(", ", s.ParametersByDtype.Select(kv => $"{kv.Key}: {kv.Value:N0}")));
            table.AddRow("layers × hidden", $"{s.Layers} × {s.HiddenSize} (ffn {s.IntermediateSize})");
            table.AddRow("heads", $"{s.Heads} query, {s.KeyValueHeads} key/value, head dim {s.HeadDim}");
            table.AddRow("vocab size", $"{s.VocabSize:N0}{(s.TiedEmbeddings ? " (tied embeddings)" : "")}");
            table.AddRow("tokenizer", s.TokenizerKind is null ? "[red]none[/]" : $"{s.TokenizerKind}, {s.TokenizerSize:N0} tokens");
            table.AddRow("chat template", s.HasChatTemplate ? "yes" : "no");
            table.AddRow("weights", $"{s.WeightFiles} file(s), {s.WeightBytes / 1048576.0:N1} MiB");
            if (s.Warnings.Count > 0) table.AddRow("[yellow]warnings[/]", $"{s.Warnings.Count} (on stderr)");
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A GGUF file: its architecture and tokenizer metadata, tensor count and parameter count by type.</summary>
    private static int Gguf(string path, bool asJson)
    {
        GgufReader gguf = GgufReader.Open(path);
        string arch = gguf.GetString("general.architecture") ?? "?";
        long parameters = gguf.Tensors.Sum(t => t.ElementCount);
        var byType = gguf.Tensors.GroupBy(t => t.Type.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(t => t.ElementCount));
        long Int(string key) => gguf.TryGet(key, out var v) ? v.AsInteger() : -1;
        int vocab = gguf.TryGet("tokenizer.ggml.tokens", out var tokens) ? tokens.AsArray().Length : 0;
        var facts = new Dictionary<string, object?>
        {
            ["File"] = path,
            ["Format"] = $"GGUF v{gguf.Version}",
            ["Architecture"] = arch,
            ["Layers"] = Int($"{arch}.block_count"),
            ["HiddenSize"] = Int($"{arch}.embedding_length"),
            ["Heads"] = Int($"{arch}.attention.head_count"),
            ["KeyValueHeads"] = Int($"{arch}.attention.head_count_kv"),
            ["ParameterCount"] = parameters,
            ["ParametersByType"] = byType,
            ["Tensors"] = gguf.Tensors.Count,
            ["TokenizerModel"] = gguf.GetString("tokenizer.ggml.model"),
            ["TokenizerPre"] = gguf.GetString("tokenizer.ggml.pre"),
            ["TokenizerSize"] = vocab,
            ["HasChatTemplate"] = gguf.GetString("tokenizer.chat_template") is { Length: > 0 },
        };
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(facts, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        }
        var table = new Table().HideHeaders().AddColumn("key").AddColumn("value");
        foreach (var (k, v) in facts)
            table.AddRow(k, Markup.Escape(v is Dictionary<string, long> d ? string.Join(", ", d.Select(kv => $"{kv.Key}: {kv.Value:N0}")) : v?.ToString() ?? "–"));
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    private static string Human(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.##} B",
        >= 1_000_000 => $"{n / 1e6:0.##} M",
        >= 1_000 => $"{n / 1e3:0.##} k",
        _ => n.ToString(),
    };
}
