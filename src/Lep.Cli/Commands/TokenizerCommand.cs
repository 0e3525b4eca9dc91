using System.CommandLine;
using System.Text;
using System.Text.Json;
using Lep.Data;
using Lep.Tokenization;
using Lep.Tokenization.Statistics;
using Lep.Tokenization.Vocabulary;
using Spectre.Console;

namespace Lep.Cli.Commands;

/// <summary>`lep tokenizer train|extend|replace|trim|encode|decode|stats`.</summary>
public static class TokenizerCommand
{
    public static Command Create()
    {
        var command = new Command("tokenizer", "Train, extend, replace, trim tokenizers (HF tokenizer.json), encode/decode text, compare tokenizers.");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Extend());
        command.Subcommands.Add(ReplaceCmd());
        command.Subcommands.Add(Trim());
        command.Subcommands.Add(Encode());
        command.Subcommands.Add(Decode());
        command.Subcommands.Add(Stats());
        return command;
    }

    private static Option<string> Req(string name, string description) => new(name) { Description = description, Required = true };

    private static bool CheckOutput(ParseResult parse, Option<bool> force, Option<string> output, params IEnumerable<string?> inputs) =>
        parse.CheckOutput(force, parse.GetValue(output)!, Formats.OutputKind.Directory, inputs);

    private static Command Train()
    {
        var type = SchemaOptions.Create(TokenizerTrainSchema.Type);
        var corpus = SchemaOptions.Create(TokenizerTrainSchema.Corpus);
        var size = SchemaOptions.Create(TokenizerTrainSchema.VocabSize);
        var output = Req("--out", "output tokenizer directory");
        var special = SchemaOptions.Create(TokenizerTrainSchema.Special);
        special.AllowMultipleArgumentsPerToken = true;
        var minFreq = SchemaOptions.Create(TokenizerTrainSchema.MinFrequency);
        var coverage = SchemaOptions.Create(TokenizerTrainSchema.CharacterCoverage);
        var source = SchemaOptions.Create(TokenizerTrainSchema.Source);
        var force = ForceOption.Create();
        var cmd = new Command("train", "Train a byte-level BPE, SentencePiece BPE or Unigram tokenizer on a corpus; writes tokenizer.json + tokenizer_config.json.")
            { type, corpus, size, output, special, minFreq, coverage, source, force };
        CommandAction.Set(cmd, parse =>
        {
            bool replace = CheckOutput(parse, force, output, parse.GetValue(corpus), parse.GetValue(source));
            CorpusInputs.Check(parse.GetValue(corpus));
            string t = parse.GetValue(type)!;
            var spec = new TokenizerTrainSpec
            {
                Type = TokenizerTrainSchema.ParseType(t), VocabSize = parse.GetValue(size),
                SpecialTokens = parse.GetValue(special) is { Length: > 0 } s ? s : null,
                MinFrequency = parse.GetValue(minFreq), CharacterCoverage = parse.GetValue(coverage), Source = parse.GetValue(source),
            };
            var r = Run($"training {t}", p => TokenizerJobs.Train(parse.GetValue(corpus)!, spec, parse.GetValue(output)!, p, replace));
            Console.WriteLine($"wrote {parse.GetValue(output)}: {t}, {r.VocabSize:N0} tokens" +
                              (spec.Source is null ? "" : $" ({r.SharedTokens:N0} shared with the source's {r.OldVocabSize:N0}, {r.CarriedAddedTokens} added tokens " +
                                  $"carried)") + $"; {r.Report}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Extend()
    {
        var tokenizer = SchemaOptions.Create(TokenizerExtendSchema.Tokenizer);
        var corpus = SchemaOptions.Create(TokenizerExtendSchema.Corpus);
        var add = SchemaOptions.Create(TokenizerExtendSchema.Add);
        var output = Req("--out", "output tokenizer directory (tokenizer.json, tokenizer_config.json, alignment.json)");
        var minFreq = SchemaOptions.Create(TokenizerExtendSchema.MinFrequency);
        var force = ForceOption.Create();
        var cmd = new Command("extend", "Extend a BPE tokenizer with new tokens learned on a corpus, starting from its merges; old ids keep their tokens.")
            { tokenizer, corpus, add, output, minFreq, force };
        CommandAction.Set(cmd, parse =>
        {
            bool replace = CheckOutput(parse, force, output, parse.GetValue(tokenizer), parse.GetValue(corpus));
            CorpusInputs.Check(parse.GetValue(corpus));
            var r = Run("extending", p => TokenizerJobs.Extend(parse.GetValue(tokenizer)!, parse.GetValue(corpus)!,
                new ExtendOptions { Add = parse.GetValue(add), MinFrequency = parse.GetValue(minFreq) }, parse.GetValue(output)!, p, replace));
            Console.WriteLine($"wrote {parse.GetValue(output)}: {r.OldVocabSize:N0} → {r.VocabSize:N0} tokens ({r.NewTokens:N0} new, ids {r.OldVocabSize}…{r.VocabSize - 1}); " +
                $"{r.Report}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command ReplaceCmd()
    {
        var source = SchemaOptions.Create(TokenizerReplaceSchema.Source);
        var tokenizer = SchemaOptions.Create(TokenizerReplaceSchema.Tokenizer);
        var output = Req("--out", "output tokenizer directory (tokenizer.json, tokenizer_config.json, alignment.json)");
        var force = ForceOption.Create();
        var cmd = new Command("replace", "Replace a vocabulary with a new tokenizer, carrying the source's special tokens (by content) and its tokenizer_config.json.")
            { source, tokenizer, output, force };
        CommandAction.Set(cmd, parse =>
        {
            bool replace = CheckOutput(parse, force, output, parse.GetValue(source), parse.GetValue(tokenizer));
            var r = TokenizerJobs.Replace(parse.GetValue(source)!, parse.GetValue(tokenizer)!, parse.GetValue(output)!, replace);
            Console.WriteLine($"wrote {parse.GetValue(output)}: {r.VocabSize:N0} tokens, {r.SharedTokens:N0} shared with the source's {r.OldVocabSize:N0}, " +
                              $"{r.CarriedAddedTokens} added tokens carried");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Trim()
    {
        var tokenizer = SchemaOptions.Create(TokenizerTrimSchema.Tokenizer);
        var keep = SchemaOptions.Create(TokenizerTrimSchema.Keep);
        var output = Req("--out", "output tokenizer directory (tokenizer.json, tokenizer_config.json, alignment.json)");
        var corpus = SchemaOptions.Create(TokenizerTrimSchema.Corpus);
        var maxDocs = SchemaOptions.Create(TokenizerTrimSchema.MaxDocuments);
        var force = ForceOption.Create();
        var cmd = new Command("trim", "Keep the first (or most frequent) N tokens, dropping merges whose parts vanish; ids renumbered compactly.")
            { tokenizer, keep, output, corpus, maxDocs, force };
        CommandAction.Set(cmd, parse =>
        {
            bool replace = CheckOutput(parse, force, output, parse.GetValue(tokenizer), parse.GetValue(corpus));
            CorpusInputs.Check(parse.GetValue(corpus));
            var r = TokenizerJobs.Trim(parse.GetValue(tokenizer)!, parse.GetValue(keep), parse.GetValue(output)!, parse.GetValue(corpus), parse.GetValue(maxDocs), replace);
            Console.WriteLine($"wrote {parse.GetValue(output)}: {r.OldVocabSize:N0} → {r.VocabSize:N0} tokens");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Encode()
    {
        var tokenizer = Req("--tokenizer", "tokenizer.json or a directory holding one");
        var input = Req("--input", "text: documents separated by an empty line (.txt) or .jsonl with \"text\"");
        var addSpecial = new Option<bool>("--add-special-tokens") { Description = "add the post-processor's special tokens (e.g. BOS), as HF add_special_tokens=True" };
        var cmd = new Command("encode", "Print one JSON array of token ids per document, one per line.") { tokenizer, input, addSpecial };
        CommandAction.Set(cmd, parse =>
        {
            var tok = Tokenizer.Load(parse.GetValue(tokenizer)!);
            var reader = new CorpusReader(parse.GetValue(input)!);
            bool special = parse.GetValue(addSpecial);
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
            var sb = new StringBuilder();
            foreach (var doc in reader.Read())
            {
                sb.Clear().Append('[');
                var ids = tok.Encode(doc, special);
                for (int i = 0; i < ids.Length; i++) { if (i > 0) sb.Append(','); sb.Append(ids[i]); }
                stdout.WriteLine(sb.Append(']'));
            }
            stdout.Flush();
            if (reader.Warning is string warning) Console.Error.WriteLine($"warning: {warning}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Decode()
    {
        var tokenizer = Req("--tokenizer", "tokenizer.json or a directory holding one");
        var input = Req("--input", "one JSON array of ids per line (what `lep tokenizer encode` prints)");
        var skip = new Option<bool>("--skip-special-tokens") { Description = "leave special tokens out of the text" };
        var cmd = new Command("decode", "Turn lines of JSON id arrays back into documents (separated by an empty line).") { tokenizer, input, skip };
        CommandAction.Set(cmd, parse =>
        {
            var tok = Tokenizer.Load(parse.GetValue(tokenizer)!);
            string path = parse.GetValue(input)!;
            if (!File.Exists(path)) throw new LepInputException(path, "file not found");
            var docs = new List<string>();
            int lineNo = 0;
            foreach (var line in File.ReadLines(path))
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                int[] ids;
                try
                {
                    ids = JsonSerializer.Deserialize<int[]>(line) ?? throw new JsonException("null");
                }
                catch (JsonException e)
                {
                    throw new LepInputException($"{path}:{lineNo}", $"expected a JSON array of integer ids ({e.Message.Split('\n')[0]})");
                }
                foreach (int id in ids)
                    if (id < 0 || id >= tok.VocabSize) throw new LepInputException($"{path}:{lineNo}", $"id {id} is outside the vocabulary (0…{tok.VocabSize - 1})");
                docs.Add(tok.Decode(ids, parse.GetValue(skip)));
            }
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
            stdout.Write(string.Join("\n\n", docs));
            if (docs.Count > 0) stdout.Write('\n');
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Stats()
    {
        var tokenizer = new Option<string[]>("--tokenizer")
        {
            Description = "tokenizer.json or directory; repeat to " +
            "compare", Required = true, AllowMultipleArgumentsPerToken = true
        };
        var input = new Option<string[]>("--input") { Description = "text file(s); documents separated by an empty line", Required = true, AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var maxDocs = new Option<int>("--max-documents") { Description = "use at most this many documents per file", DefaultValueFactory = _ => int.MaxValue };
        var cmd = new Command("stats", "Characters/token, tokens/word, single-token words, byte-fallback and unk rates per file, tokenizers side by side.")
            { tokenizer, input, json, maxDocs };
        CommandAction.Set(cmd, parse =>
        {
            var paths = parse.GetValue(tokenizer)!;
            CorpusInputs.Check(parse.GetValue(input)!);
            var toks = paths.Select(p => (Name: ShortName(p), Tok: Tokenizer.Load(p))).ToList();
            var results = new List<TokenizerStats>();
            foreach (var file in parse.GetValue(input)!)
                foreach (var (name, tok) in toks)
                    results.Add(TokenizerStatistics.Measure(tok, name, new CorpusReader(file), parse.GetValue(maxDocs)));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("input").AddColumn("tokenizer").AddColumn(new TableColumn("chars/token").RightAligned())
                .AddColumn(new TableColumn("tokens/word").RightAligned()).AddColumn(new TableColumn("single-token words").RightAligned())
                .AddColumn(new TableColumn("byte fallback").RightAligned()).AddColumn(new TableColumn("unk").RightAligned())
                .AddColumn(new TableColumn("tokens").RightAligned());
            foreach (var r in results)
                table.AddRow(Markup.Escape(Path.GetFileName(r.Input)), Markup.Escape(r.Tokenizer), TokenizerStatistics.Format(r.CharsPerToken),
                    TokenizerStatistics.Format(r.TokensPerWord), $"{r.SingleTokenWordShare:P1}", $"{r.ByteFallbackRate:P2}", $"{r.UnkRate:P2}", $"{r.Tokens:N0}");
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static string ShortName(string path)
    {
        string name = Path.GetFileName(path.TrimEnd('/', '\\'));
        foreach (var suffix in new[] { ".tokenizer.json", ".json" })
            if (name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length) return name[..^suffix.Length];
        if (name == "tokenizer" || name.Length == 0) return path;
        return name;
    }

    private static T Run<T>(string label, Func<IProgress<(string Stage, double Fraction)>, T> work) => ConsoleUi.WithPhases(label, work);
}
