using System.CommandLine;
using System.Diagnostics;
using Lep.Data;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Options;
using Lep.Runtime;
using Lep.Tokenization;
using Lep.Tokenization.ChatTemplates;

namespace Lep.Cli.Commands;

public static class GenerateCommand
{
    public static Command Create()
    {
        var dir = SchemaOptions.Argument(GenerateSchema.Model, "DIR");
        var prompt = SchemaOptions.Create(GenerateSchema.Prompt, "-p");
        var maxNew = SchemaOptions.Create(GenerateSchema.MaxNewTokens, "-n");
        var temperature = SchemaOptions.Create(GenerateSchema.Temperature, "-t");
        var topK = SchemaOptions.Create(GenerateSchema.TopK);
        var topP = SchemaOptions.Create(GenerateSchema.TopP);
        var seed = SchemaOptions.Create(GenerateSchema.Seed);
        var noSpecial = SchemaOptions.Create(GenerateSchema.NoSpecialTokens);
        var chat = SchemaOptions.Create(GenerateSchema.Chat);
        var device = DeviceOption.Create();
        var backend = new BackendOptions();
        var command = new Command("generate", "Continue a prompt with a model (KV-cached; greedy or seeded sampling).")
            { dir, prompt, maxNew, temperature, topK, topP, seed, noSpecial, chat, device };
        foreach (Option o in backend.All) command.Options.Add(o);
        CommandAction.Set(command, parse =>
        {
            string modelDir = parse.GetValue(dir)!;
            var torchDevice = ComputeDevice.Resolve(parse.GetValue(device)!);
            ComputeDevice.UseAllCores();
            Tokenizer tokenizer = Tokenizer.Load(modelDir);
            var options = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxNew),
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
                StopTokens = StopTokens(modelDir),
            };
            options.Validate();
            InferenceBackend engine = backend.Get(parse);
            var notes = new List<string>();
            using ILanguageModel lm = ConsoleUi.WithProgress($"loading model ({engine.Name})", p => engine.Load(modelDir, torchDevice, p, notes.Add));
            foreach (string note in notes) Console.Error.WriteLine(note);
            if (tokenizer.VocabSize > lm.Config.VocabSize)
                throw new LepInputException(Path.Combine(modelDir, "tokenizer.json"), $"tokenizer has {tokenizer.VocabSize} tokens but the model has {lm.Config.VocabSize} " +
                    $"embedding rows");
            string text = parse.GetValue(prompt)!;
            bool asChat = parse.GetValue(chat);
            int[] ids = asChat
                ? tokenizer.Encode(ChatTemplate.FromTokenizerConfig(Path.Combine(modelDir, "tokenizer_config.json"))
                    .Render([new ChatMessage("user", text)], addGenerationPrompt: true), addSpecialTokens: false)
                : tokenizer.Encode(text, addSpecialTokens: !parse.GetValue(noSpecial));
            if (ids.Length == 0) throw new OptionException(GenerateSchema.Prompt, $"encodes to no tokens");

            if (!asChat) Console.Write(text);
            var generated = new List<int>();
            string printed = "";
            var clock = Stopwatch.StartNew();
            foreach (int token in Generation.Generate(lm, ids, options))
            {
                generated.Add(token);
                string decoded = tokenizer.Decode(generated, skipSpecialTokens: true);
                if (decoded.EndsWith('\uFFFD')) continue; // an incomplete UTF-8 sequence: wait for the next byte token
                Console.Write(decoded[Math.Min(printed.Length, decoded.Length)..]);
                printed = decoded;
            }
            string final = tokenizer.Decode(generated, skipSpecialTokens: true);
            Console.WriteLine(final[Math.Min(printed.Length, final.Length)..]);
            double seconds = clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"[{ids.Length} prompt tokens, {generated.Count} generated in {seconds:0.00} s: {generated.Count / seconds:0.0} tokens/s, " +
                $"{final.Length / seconds:0.0} chars/s, {lm.Backend}]");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>eos ids from generation_config.json, else config.json.</summary>
    private static HashSet<int> StopTokens(string dir)
    {
        string generation = Path.Combine(dir, "generation_config.json");
        if (File.Exists(generation))
        {
            int[] ids = JsonFile.ReadObject(generation).GetIntOrList("eos_token_id");
            if (ids.Length > 0) return [.. ids];
        }
        return [.. ModelConfig.Load(Path.Combine(dir, "config.json")).EosTokenIds];
    }
}
