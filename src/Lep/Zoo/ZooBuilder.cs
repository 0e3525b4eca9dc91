using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Data;
using Lep.Data.Corpus;
using Lep.Data.Tasks;
using Lep.Evaluation;
using Lep.Evaluation.Results;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tokenization;
using Lep.Tokenization.ChatTemplates;
using Lep.Training;

namespace Lep.Zoo;

internal sealed record ZooBuildOptions
{
    public required string WorkDirectory { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>A corpus dir from `lep data build`; when null the builder makes one (profile full, or test for the quick recipe).</summary>
    public string? CorpusDirectory { get; init; }
    public ZooRecipe Recipe { get; init; } = ZooRecipe.Full;
    public string Device { get; init; } = "cpu";
}

/// <summary>
/// Builds lep-tiny-base and lep-tiny-instruct from scratch: corpus → tokenizer → base pre-training → task data →
/// instruction tuning → evaluation → assets (bf16 HF dirs + manifest). Every stage writes a dir in the work
/// directory and is skipped when that dir exists, so a killed build resumes (training resumes from its checkpoint).
/// </summary>
internal sealed class ZooBuilder(ZooBuildOptions options, IJobUi ui)
{
    public const string BaseName = "lep-tiny-base";
    public const string InstructName = "lep-tiny-instruct";
    private readonly ZooRecipe _r = options.Recipe;
    private readonly StageRunner _stages = new(options.WorkDirectory, ui.Note);

    private bool _republish;

    private string Work(string name) => _stages.Path(name);

    public JsonObject Build()
    {
        // A build resumed from its work dir republishes its own output; a fresh one replaces only when told to.
        _republish = Directory.Exists(options.WorkDirectory);
        Directory.CreateDirectory(options.WorkDirectory);
        File.WriteAllText(Work("recipe.json"), JsonSerializer.Serialize(_r, new JsonSerializerOptions { WriteIndented = true }));
        string corpus = options.CorpusDirectory is string given ? CheckCorpus(given) : _stages.Run("corpus", BuildCorpus);
        string tokenizer = _stages.Run("tokenizer", () => BuildTokenizer(corpus));
        string baseInit = _stages.Run("base-init", () => InitBase(tokenizer));
        string tasks = _stages.Run("tasks", () => BuildTasks(corpus));
        string baseModel = _stages.Run("base", () => Pretrain(corpus, baseInit, tasks));
        string instruct = _stages.Run("instruct", () => InstructionTune(corpus, baseModel, tasks));
        string eval = _stages.Run("eval", () => Evaluate(corpus, tasks, baseModel, instruct));
        string diagnostics = _stages.Run("diagnostics", () => Diagnose(corpus, baseModel, instruct));
        return Publish(corpus, baseModel, instruct, eval, diagnostics);
    }

    public static string CheckCorpus(string given)
    {
        foreach (string f in new[] { "en_train.txt", "ru_train.txt", "en_heldout.txt", "ru_heldout.txt", "parallel_dict.en-ru.tsv" })
            if (!File.Exists(Path.Combine(given, f))) throw new LepInputException(given, $"not a corpus dir from `lep data build`: {f} is missing");
        return given;
    }

    private string BuildCorpus()
    {
        string dir = Work("corpus");
        var profile = CorpusProfile.Get(_r.Name == "quick" ? "test" : "full");
        var builder = new CorpusBuilder(new CorpusBuildOptions(dir, profile, CorpusBuildOptions.DefaultCacheDir()), SystemTools.Find());
        FetchResult fetched = ui.Step("downloading Debian packages", p => builder.Fetch(p));
        ui.Step("converting packages to text", p => builder.Convert(fetched, p));
        return dir;
    }

    /// <summary>
    /// English documents, then Russian ones until they make up <paramref name="russianShare"/> of the characters, and
    /// a repeated passage after <paramref name="repeatShare"/> of the documents (<see cref="RepeatedPassages"/>).
    /// </summary>
    private string MixedText(string corpus, double russianShare, string path, double repeatShare = 0, IReadOnlyList<string>? extra = null)
    {
        var en = DocumentReader.Read(Path.Combine(corpus, "en_train.txt")).ToList();
        var ru = DocumentReader.Read(Path.Combine(corpus, "ru_train.txt")).ToList();
        long enChars = en.Sum(d => (long)d.Length);
        long ruBudget = (long)(enChars * russianShare / (1 - russianShare));
        // Spread the Russian pick over the whole file (its sources are in order): a seeded shuffle.
        var order = Enumerable.Range(0, ru.Count).ToArray();
        new Random(_r.Seed).Shuffle(order);
        var picked = new List<string>();
        long taken = 0;
        foreach (int i in order)
        {
            if (taken >= ruBudget) break;
            picked.Add(ru[i]);
            taken += ru[i].Length;
        }
        var (all, repeatedChars) = RepeatedPassages.Add(en.Concat(picked), repeatShare, _r.Seed + 2);
        var shuffled = all.Concat(extra ?? []).ToArray();
        new Random(_r.Seed + 1).Shuffle(shuffled);
        File.WriteAllText(path, string.Join("\n\n", shuffled) + "\n", new UTF8Encoding(false));
        string repeats = repeatShare > 0 ? $", {repeatedChars / (double)(taken + enChars + repeatedChars):P1} of the text repeated passages" : "";
        long extraChars = extra?.Sum(d => (long)d.Length) ?? 0;
        string instructionShaped = extraChars > 0 ? $", {extra!.Count:N0} instruction-shaped documents ({extraChars / (double)(taken + enChars + repeatedChars + extraChars):P1} " +
            $"of the text)" : "";
        ui.Note($"{Path.GetFileName(path)}: {en.Count:N0} English + {picked.Count:N0} Russian documents ({taken / (double)(taken + enChars):P1} Russian " +
            $"characters){repeats}{instructionShaped}");
        return path;
    }

    private string BuildTokenizer(string corpus)
    {
        string mix = MixedText(corpus, _r.TokenizerRussianShare, Work("tokenizer-mix.txt"));
        Tokenizer tokenizer = ui.Step("training the tokenizer", p => ZooTokenizer.Train(mix, _r.VocabSize, SyncProgress.Fractions(p)));
        using var staging = new StagingDirectory(Work("tokenizer"), replace: true);
        tokenizer.Save(staging.File("tokenizer.json"));
        JsonFile.Write(staging.File("tokenizer_config.json"), ZooTokenizer.TokenizerConfig(withChatTemplate: false));
        staging.Commit();
        File.Delete(mix);
        return staging.FinalPath;
    }

    private ModelConfig Config(Tokenizer tokenizer)
    {
        int bos = tokenizer.TokenToId(ZooTokenizer.Bos)!.Value, eos = tokenizer.TokenToId(ZooTokenizer.Eos)!.Value;
        var config = ModelConfig.Create("LlamaForCausalLM", tokenizer.VocabSize, _r.HiddenSize, _r.IntermediateSize, _r.Layers, _r.Heads,
            _r.KeyValueHeads, tieWordEmbeddings: false, ropeTheta: _r.RopeTheta, maxPositions: _r.MaxPositions, bosTokenId: bos, eosTokenId: eos);
        config.Json["pad_token_id"] = tokenizer.TokenToId(ZooTokenizer.Pad);
        return config;
    }

    private string InitBase(string tokenizerDir)
    {
        Tokenizer tokenizer = Tokenizer.Load(tokenizerDir);
        using var staging = new StagingDirectory(Work("base-init"), replace: true);
        using (var lm = new LlamaForCausalLM(Config(tokenizer)))
        {
            lm.InitializeRandom(_r.Seed);
            lm.Save(staging.Path, DType.F32);
        }
        ModelDirectory.CopyCompanionFiles(tokenizerDir, staging.Path);
        JsonFile.Write(staging.File("generation_config.json"), new JsonObject
        {
            ["bos_token_id"] = tokenizer.TokenToId(ZooTokenizer.Bos),
            ["eos_token_id"] = tokenizer.TokenToId(ZooTokenizer.Eos),
            ["pad_token_id"] = tokenizer.TokenToId(ZooTokenizer.Pad),
        });
        staging.Commit();
        return staging.FinalPath;
    }

    private TrainingOptions Schedule(int steps, int batch, double lr, int warmup) => new()
    {
        Steps = steps, BatchSize = batch, BlockSize = _r.BlockSize, LearningRate = lr, WarmupSteps = warmup,
        EvalEvery = Math.Max(1, steps / 20), CheckpointEvery = Math.Max(1, steps / 20), Seed = _r.Seed,
    };

    private string Pretrain(string corpus, string baseInit, string tasks)
    {
        List<string> plain = [];
        if (_r.PretrainInstructionText)
        {
            var records = InstructionData.Select(InstructionData.Read(Path.Combine(tasks, "train.jsonl")), _r.PretrainTaskRussianShare, _r.Seed + 3);
            plain = records.Select((r, i) => InstructionData.Conversation(r, i))
                .Concat(CopyConversations(corpus, _r.PretrainCopyEnglish, _r.PretrainCopyRussian, _r.Seed + 3))
                .Select(InstructionData.PlainText).ToList();
        }
        string mix = MixedText(corpus, _r.PretrainRussianShare, Work("pretrain-mix.txt"), _r.PretrainRepeatShare, plain);
        var spec = new TrainingJobSpec
        {
            ModelDirectory = baseInit, Corpus = [mix], OutputDirectory = Work("base"), Storage = DType.F32, Device = options.Device,
            Options = Schedule(_r.PretrainSteps, _r.PretrainBatch, _r.PretrainLearningRate, _r.PretrainWarmup),
        };
        ui.Train("pre-training the base", (_, p) => TrainingJob.Run(spec, null, p));
        return spec.OutputDirectory;
    }

    private string BuildTasks(string corpus) =>
        ui.Step("generating task data", p => TaskGenerator.Generate(corpus, Work("tasks"), new TaskOptions { Seed = _r.Seed }, p)).OutDir;

    private string InstructionTune(string corpus, string baseModel, string tasks)
    {
        // The instruct model starts as the base with the chat template and end-of-turn as its stop token.
        string start = Work("instruct-init");
        if (!Directory.Exists(start))
        {
            using var staging = new StagingDirectory(start, replace: true);
            foreach (string f in Directory.GetFiles(baseModel)) File.Copy(f, staging.File(Path.GetFileName(f)));
            File.Delete(staging.File("metrics.jsonl"));
            File.Delete(staging.File("loss.png"));
            JsonFile.Write(staging.File("tokenizer_config.json"), ZooTokenizer.TokenizerConfig(withChatTemplate: true));
            Tokenizer t = Tokenizer.Load(baseModel);
            JsonObject generation = JsonFile.ReadObject(staging.File("generation_config.json"));
            generation["eos_token_id"] = new JsonArray(t.TokenToId(ZooTokenizer.TurnEnd), t.TokenToId(ZooTokenizer.Eos));
            JsonFile.Write(staging.File("generation_config.json"), generation);
            staging.Commit();
        }
        Tokenizer tokenizer = Tokenizer.Load(start);
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(Path.Combine(start, "tokenizer_config.json"));
        List<TrainingDocument> Documents(string split) => InstructionData.Select(InstructionData.Read(Path.Combine(tasks, $"{split}.jsonl")), _r.InstructRussianShare, _r.Seed)
            .Select((r, i) => ChatDocuments.Encode(tokenizer, template, InstructionData.Conversation(r, i))).ToList();
        var train = Documents("train");
        // Extra copy-task conversations from the training text: copying is the skill the instruct model must have
        // (DESIGN §3) and the one a tiny model learns last from a mix of seven task kinds.
        train.AddRange(CopyConversations(corpus, _r.InstructExtraCopyEnglish, _r.InstructExtraCopyRussian, _r.Seed).Select(c => ChatDocuments.Encode(tokenizer, template, c)));
        var dev = Documents("dev");
        var spec = new TrainingJobSpec
        {
            ModelDirectory = start, Corpus = [Path.Combine(tasks, "train.jsonl")], OutputDirectory = Work("instruct"), Storage = DType.F32, Device = options.Device,
            Options = Schedule(_r.InstructSteps, _r.InstructBatch, _r.InstructLearningRate, _r.InstructWarmup),
        };
        ui.Train("instruction tuning", (_, p) => TrainingJob.Train(spec, train, dev, p));
        return spec.OutputDirectory;
    }

    /// <summary>"Repeat exactly: …" conversations on sentences of the training text, English then Russian.</summary>
    private static IEnumerable<List<ChatMessage>> CopyConversations(string corpus, int english, int russian, int seed)
    {
        foreach (var (lang, count) in new[] { ("en", english), ("ru", russian) })
        {
            if (count <= 0) continue;
            var source = new Lep.Calibration.CopyTaskSource(Path.Combine(corpus, $"{lang}_train.txt"), count) { Language = lang };
            foreach (var c in Lep.Calibration.CopyTask.Conversations(source, seed)) yield return c;
        }
    }

    /// <summary>Base: bits/char on held-out en/ru text. Instruct: the test split per (kind, prompt language).</summary>
    private string Evaluate(string corpus, string tasks, string baseModel, string instruct)
    {
        string suite = EvalSuite.Write(corpus, tasks, Work("eval-suite"), _r.EvalItems);
        // Evaluated in eval.partial (its per-task caches make a killed evaluation resume), renamed when complete.
        string partial = Work("eval.partial");
        EvalSuite.Evaluate([(InstructName, instruct)], [(BaseName, baseModel)], suite, partial,
            new EvalOptions { Limit = _r.EvalItems, MaxNewTokens = 96, SpeedTask = "copy_en" }, Runtime.ComputeDevice.Resolve(options.Device), ui);
        Directory.Move(partial, Work("eval"));
        return Work("eval");
    }

    /// <summary>
    /// What makes the pair usable for LEP (DESIGN §3): the instruct model's drift from the base and the base→instruct
    /// least-squares residual, and in-context copying of both models on held-out passages (no instructions).
    /// </summary>
    private string Diagnose(string corpus, string baseModel, string instruct)
    {
        using var staging = new StagingDirectory(Work("diagnostics"), replace: true);
        JsonFile.Write(staging.File("diagnostics.json"), ui.Step("measuring drift and in-context " +
            "copying", p => PairDiagnostics.Measure(corpus, baseModel, instruct, _r.EvalItems, options.Device, p)));
        staging.Commit();
        return staging.FinalPath;
    }

    private JsonObject Publish(string corpus, string baseModel, string instruct, string eval, string diagnostics)
    {
        using var staging = new StagingDirectory(options.OutputDirectory, options.ReplaceOutput || _republish);
        var models = new JsonObject();
        foreach (var (name, source) in new[] { (BaseName, baseModel), (InstructName, instruct) })
        {
            string dir = Path.Combine(staging.Path, name);
            using (var lm = LlamaForCausalLM.Load(source)) lm.Save(dir, DType.BF16);
            ModelDirectory.CopyCompanionFiles(source, dir);
            var files = new JsonObject();
            foreach (string f in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
                files[Path.GetFileName(f)] = new JsonObject { ["bytes"] = new FileInfo(f).Length, ["sha256"] = FileHash.Sha256(f) };
            models[name] = new JsonObject
            {
                ["parameters"] = ModelSummary.Inspect(dir).ParameterCount,
                ["files"] = files,
                ["training_metrics"] = $"{name}.metrics.jsonl",
                ["training_loss_plot"] = $"{name}.loss.png",
                ["training_seconds"] = TrainingSeconds(source),
            };
            File.Copy(Path.Combine(source, "metrics.jsonl"), Path.Combine(staging.Path, $"{name}.metrics.jsonl"));
            LossCurve.Render(Path.Combine(source, "metrics.jsonl"), Path.Combine(staging.Path, $"{name}.loss.png"), $"{name}: training loss");
        }
        File.Copy(Path.Combine(eval, "results.json"), staging.File("eval-results.json"));
        File.Copy(Path.Combine(eval, "report.md"), staging.File("eval-report.md"));
        File.Copy(Work("recipe.json"), staging.File("recipe.json"));
        string dataManifest = Path.Combine(corpus, "manifest.json");
        var manifest = new JsonObject
        {
            ["recipe"] = JsonNode.Parse(File.ReadAllText(Work("recipe.json"))),
            ["models"] = models,
            ["data"] = File.Exists(dataManifest)
                ? new JsonObject { ["manifest_sha256"] = FileHash.Sha256(dataManifest), ["outputs"] = JsonNode.Parse(File.ReadAllText(dataManifest))?["outputs"]?.DeepClone() }
                    : null,
            ["stage_seconds"] = new JsonObject(_stages.Seconds.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["scores"] = Scores(EvalResults.Load(eval)),
            ["baselines"] = Baselines(corpus),
            ["pair"] = JsonNode.Parse(File.ReadAllText(Path.Combine(diagnostics, "diagnostics.json"))),
            ["built_by"] = _r.Name is "full" or "light" or "quick" ? $"lep zoo build --profile {_r.Name}" : "lep zoo build --recipe recipe.json",
        };
        JsonFile.Write(staging.File("manifest.json"), manifest);
        staging.Commit();
        return manifest;
    }

    /// <summary>Wall time of a training run, summed over resumed pieces (its last checkpoint's clock).</summary>
    private static double? TrainingSeconds(string modelDir)
    {
        string state = Path.Combine(TrainingCheckpoint.PathIn(TrainingJob.RunDirectoryFor(modelDir)), "state.json");
        return File.Exists(state) ? Math.Round(JsonFile.ReadObject(state)["ElapsedSeconds"]!.GetValue<double>(), 1) : null;
    }

    /// <summary>Bits/char of a character unigram model on the same held-out documents the base is scored on.</summary>
    private JsonObject Baselines(string corpus)
    {
        var baselines = new JsonObject();
        foreach (string lang in new[] { "en", "ru" })
        {
            var heldout = DocumentReader.Read(Path.Combine(corpus, $"{lang}_heldout.txt")).Take(_r.EvalItems);
            double bpc = Lep.Evaluation.Metrics.CharacterUnigramBaseline.BitsPerChar(Path.Combine(corpus, $"{lang}_train.txt"), heldout);
            baselines[$"heldout_{lang}"] = new JsonObject { ["character_unigram_bits_per_char"] = TaskResult.Round(bpc) };
        }
        return baselines;
    }

    private static JsonObject Scores(EvalResults results)
    {
        var scores = new JsonObject();
        foreach (TaskResult r in results.Results.OrderBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Task, StringComparer.Ordinal))
        {
            var metrics = new JsonObject { ["n"] = r.N };
            foreach (var (k, v) in r.Metrics) metrics[k] = TaskResult.Round(v);
            (scores[r.Model] ??= new JsonObject()).AsObject()[r.Task] = metrics;
        }
        return scores;
    }

}
