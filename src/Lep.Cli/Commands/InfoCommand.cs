using System.CommandLine;
using System.Text.Json;
using Lep.Formats.Checkpoint;
using Spectre.Console;

namespace Lep.Cli.Commands;

public static class InfoCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("DIR") { Description = "an HF model directory (config.json + safetensors)" };
        var json = new Option<bool>("--json") { Description = "print the summary as JSON" };
        var command = new Command("info", "Show a model's architecture, parameter count, dtypes, vocabulary and tokenizer.") { dir, json };
        CommandAction.Set(command, parse =>
        {
            ModelSummary s = ModelSummary.Inspect(parse.GetValue(dir)!);
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
            foreach (string w in s.Warnings) table.AddRow("[yellow]warning[/]", Markup.Escape(w));
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Human(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.##} B",
        >= 1_000_000 => $"{n / 1e6:0.##} M",
        >= 1_000 => $"{n / 1e3:0.##} k",
        _ => n.ToString(),
    };
}
