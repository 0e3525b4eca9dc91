using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Adaptation.EmbeddingInit;
using Lep.Adaptation.Propagation;
using Lep.Calibration;
using Lep.Data;
using Lep.Data.Corpus;
using Lep.Data.Tasks;
using Lep.Evaluation;
using Lep.Evaluation.Results;
using Lep.Evaluation.Tasks;
using Lep.Formats;
using Lep.Tokenization.Vocabulary;
using Lep.Training;
using Lep.Zoo;

namespace Lep.Demo;

public sealed record DemoOptions
{
    /// <summary>The zoo: a dir holding lep-tiny-base/ and lep-tiny-instruct/.</summary>
    public required string Zoo { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>A corpus dir from `lep data build`; when null the demo builds the test profile into OUT/corpus.</summary>
    public string? CorpusDirectory { get; init; }
    public DemoRecipe Recipe { get; init; } = DemoRecipe.Default;
    public string Device { get; init; } = "cpu";
}

/// <summary>What a model of the demo is.</summary>
public enum DemoRole
{
    /// <summary>The zoo's instruct model.</summary>
    OriginalInstruct,
    /// <summary>The zoo's base model.</summary>
    OriginalBase,
    /// <summary>The base with a new vocabulary and trained embeddings.</summary>
    Donor,
    /// <summary>The instruct model with a donor's vocabulary, by propagation.</summary>
    LepInstruct,
    /// <summary>Propagation from the base itself (the premise check: the base's own vocabulary).</summary>
    PremiseCheck,
    /// <summary>A LEP instruct model after calibration.</summary>
    Calibrated,
}

/// <summary>One model of the side-by-side table.</summary>
public sealed record DemoModel(string Name, string Dir, DemoRole Role, string Vocabulary, string? Mode)
{
    /// <summary>Answers instructions (has a chat template): measured on every task, not only on held-out text.</summary>
    public bool IsInstruct => Role is not (DemoRole.OriginalBase or DemoRole.Donor);
}

public sealed record DemoResult(IReadOnlyList<DemoModel> Models, EvalResults Results, IReadOnlyDictionary<string, double> StageSeconds, string ReportDirectory, string? Calibrated);

/// <summary>
/// LEP end to end on the zoo pair (DESIGN §1, §3): three Russian vocabularies (BPE replace, Unigram replace, the zoo's
/// BPE extended), a donor per vocabulary (mean init + embedding-only training of the base), propagation of each donor
/// into the instruct model with every mode, calibration of the best, and one evaluation of everything. Stages are dirs
/// under OUT/work and are skipped when done, so a killed demo resumes.
/// </summary>
public sealed class LepDemo(DemoOptions options, IJobUi ui)
{
    public const string InstructName = "instruct";
    public const string BaseName = "base";
    private readonly DemoRecipe _r = options.Recipe;
    private readonly StageRunner _stages = new(Path.Combine(options.OutputDirectory, "work"), ui.Note);
    private string BaseDir => Path.Combine(options.Zoo, ZooBuilder.BaseName);
    private string InstructDir => Path.Combine(options.Zoo, ZooBuilder.InstructName);

    private static readonly string[] Vocabularies = ["bpe", "unigram", "extended"];

    public DemoResult Run(Func<IReadOnlyList<DemoModel>, EvalResults, DemoModel?>? chooseForCalibration = null)
    {
        foreach (string dir in new[] { BaseDir, InstructDir })
            if (!File.Exists(Path.Combine(dir, "config.json"))) throw new LepInputException(dir, "zoo model missing (expected lep-tiny-base/ and lep-tiny-instruct/ from `lep zoo build`)");
        Directory.CreateDirectory(_stages.Path(""));
        WriteRecipe();

        string corpus = options.CorpusDirectory is string given ? ZooBuilder.CheckCorpus(given) : _stages.Run("corpus", BuildCorpus);
        string tasks = _stages.Run("tasks", () => ui.Step("generating task data", p => TaskGenerator.Generate(corpus, _stages.Path("tasks"), new TaskOptions { Seed = _r.Seed }, p)).OutDir);
        string mix = MixedCorpus(corpus);

        var models = new List<DemoModel>
        {
            new(InstructName, InstructDir, DemoRole.OriginalInstruct, "zoo BPE", null),
            new(BaseName, BaseDir, DemoRole.OriginalBase, "zoo BPE", null),
        };
        foreach (string vocab in Vocabularies)
        {
            string tokenizer = _stages.Run($"tokenizer-{vocab}", () => BuildVocabulary(vocab, mix, corpus));
            string init = _stages.Run($"donor-{vocab}-init", () => InitDonor(tokenizer, $"donor-{vocab}-init"));
            string donor = _stages.Run($"donor-{vocab}", () => TrainDonor(vocab, init));
            models.Add(new($"donor-{vocab}", donor, DemoRole.Donor, vocab, null));
            foreach (PropagationMode mode in _r.Modes)
            {
                string name = $"lep-{vocab}-{mode.ToString().ToLowerInvariant()}";
                string dir = _stages.Run(name, () => Propagate(donor, mode, name));
                models.Add(new(name, dir, DemoRole.LepInstruct, vocab, mode.ToString().ToLowerInvariant()));
            }
        }

        if (_r.PremiseCheck)
            foreach (PropagationMode mode in new[] { PropagationMode.Overlap, PropagationMode.Conversion })
            {
                string name = $"premise-{mode.ToString().ToLowerInvariant()}";
                string dir = _stages.Run(name, () => Propagate(BaseDir, mode, name));
                models.Add(new(name, dir, DemoRole.PremiseCheck, "zoo BPE", mode.ToString().ToLowerInvariant()));
            }

        string suite = _stages.Run("eval-suite", () => EvalSuite.Write(corpus, tasks, _stages.Path("eval-suite"), _r.EvalItems, IsDemoTask));
        EvalResults results = Evaluate(models, suite);
        DemoModel? best = (chooseForCalibration ?? BestRussian)(models, results);
        string? calibrated = null;
        if (best is not null)
        {
            string name = best.Name + "-calibrated";
            calibrated = _stages.Run(name, () => Calibrate(best, tasks, corpus, name));
            models.Add(new(name, calibrated, DemoRole.Calibrated, best.Vocabulary, best.Mode));
            results = Evaluate(models, suite);
        }
        return new DemoResult(models, results, _stages.Seconds, _stages.Path("eval"), calibrated);
    }

    /// <summary>
    /// The recipe the stages under OUT/work were made with. Stages are reused by name, so a run with another recipe
    /// (e.g. `--smoke` then the default) would silently mix toy and real stages: refused instead.
    /// </summary>
    private void WriteRecipe()
    {
        string path = _stages.Path("demo-recipe.json");
        string json = JsonSerializer.Serialize(_r, new JsonSerializerOptions { WriteIndented = true });
        if (File.Exists(path) && File.ReadAllText(path) != json)
        {
            string made = JsonNode.Parse(File.ReadAllText(path))?["Name"]?.GetValue<string>() ?? "another";
            throw new LepInputException(options.OutputDirectory, $"holds a demo made with the {made} recipe, not the {_r.Name} one; use another --out (or delete this one)");
        }
        File.WriteAllText(path, json);
    }

    /// <summary>
    /// Self-calibration (DESIGN §1.5): the original instruct model answers task prompts of the dev split (Russian and
    /// English, the kinds with free answers), the LEP model learns those answers in its own vocabulary, plus the Russian
    /// copy task; LoRA on every projection, merged on save.
    /// </summary>
    private string Calibrate(DemoModel model, string tasks, string corpus, string name)
    {
        string prompts = _stages.Path("calibration-prompts.jsonl");
        var records = InstructionData.Read(Path.Combine(tasks, "dev.jsonl")).Where(r => !r.IsMultipleChoice && r.Kind != "copy").ToList();
        var picked = InstructionData.Select(records, 0.5, _r.Seed).Take(_r.CalibrationPrompts)
            .Select(r => new System.Text.Json.Nodes.JsonObject { ["prompt"] = r.Prompt }.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        File.WriteAllLines(prompts, picked);
        var o = new CalibrationOptions
        {
            Model = model.Dir, Output = _stages.Path(name), Device = options.Device,
            Sources = new CalibrationSources
            {
                SelfCalibration = new SelfCalibrationSource(InstructDir, prompts) { MaxNewTokens = 96 },
                Copy = new CopyTaskSource(Path.Combine(corpus, "ru_train.txt"), _r.CalibrationCopy) { Language = "ru" },
            },
            Training = Calibrator.DefaultTraining with
            {
                Steps = _r.CalibrationSteps, LearningRate = _r.CalibrationLearningRate, WarmupSteps = Math.Max(1, _r.CalibrationSteps / 10),
                BatchSize = _r.DonorBatch, BlockSize = Math.Max(_r.BlockSize, 256), Seed = _r.Seed,
            },
        };
        CalibrationResult r = null!;
        ui.Train($"calibrating {model.Name} (self-calibration + copy, LoRA)", (phases, p) => (r = Calibrator.Run(o, phases, p)).Training);
        ui.Note($"{name}: {r.Conversations} conversations, loss {r.FirstLoss:0.000} → {r.FinalLoss:0.000}");
        return r.Output;
    }

    private static bool IsDemoTask(string name) => name is "heldout_en" or "heldout_ru" or "copy_ru" or "copy_en" or "mc_translation_ru"
        or "mc_continuation_ru" or "translate_en_ru_ru";

    private string BuildCorpus()
    {
        string dir = _stages.Path("corpus");
        var builder = new CorpusBuilder(new CorpusBuildOptions(dir, CorpusProfile.Get("test"), CorpusBuildOptions.DefaultCacheDir()), SystemTools.Find());
        FetchResult fetched = ui.Step("downloading Debian packages", p => builder.Fetch(p));
        ui.Step("converting packages to text", p => builder.Convert(fetched, p));
        return dir;
    }

    /// <summary>The target-language training text: all Russian documents, then the English ones (a little English keeps
    /// the new vocabularies and donors from forgetting it entirely).</summary>
    private string MixedCorpus(string corpus)
    {
        string path = _stages.Path("ru-en-train.txt");
        if (File.Exists(path)) return path;
        var docs = DocumentReader.Read(Path.Combine(corpus, "ru_train.txt")).Concat(DocumentReader.Read(Path.Combine(corpus, "en_train.txt")));
        string temp = path + ".tmp";
        File.WriteAllText(temp, string.Join("\n\n", docs) + "\n", new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private string BuildVocabulary(string vocab, string mix, string corpus)
    {
        string output = _stages.Path($"tokenizer-{vocab}");
        TokenizerJobResult r = vocab == "extended"
            ? ui.Step("extending the zoo BPE with Russian tokens", p =>
                TokenizerJobs.Extend(BaseDir, Path.Combine(corpus, "ru_train.txt"), new ExtendOptions { Add = _r.ExtendBy }, output, SyncProgress.Fractions(p)))
            : ui.Step($"training a Russian {vocab} vocabulary", p => TokenizerJobs.Train(mix,
                new TokenizerTrainSpec { Type = vocab == "unigram" ? TokenizerType.Unigram : TokenizerType.Bpe, VocabSize = _r.VocabSize, Source = BaseDir }, output, SyncProgress.Fractions(p)));
        ui.Note($"tokenizer-{vocab}: {r.VocabSize:N0} tokens, {r.SharedTokens:N0} shared with the zoo's {r.OldVocabSize:N0}");
        return r.Output;
    }

    private string InitDonor(string tokenizer, string name)
    {
        InitResult r = ui.Step($"initialising {name} (mean of sub-tokens)", p => EmbeddingInitializer.Run(
            new InitOptions { Base = BaseDir, Tokenizer = tokenizer, Output = _stages.Path(name), Method = InitMethod.Mean, Seed = _r.Seed }, SyncProgress.Fractions(p)));
        return r.Output;
    }

    private string TrainDonor(string vocab, string init)
    {
        var spec = new TrainingJobSpec
        {
            ModelDirectory = init, Corpus = [_stages.Path("ru-en-train.txt")], OutputDirectory = _stages.Path($"donor-{vocab}"), Storage = DType.F32, Device = options.Device,
            Options = new TrainingOptions
            {
                Steps = _r.DonorSteps, BatchSize = _r.DonorBatch, BlockSize = _r.BlockSize, LearningRate = _r.DonorLearningRate, WarmupSteps = _r.DonorWarmup,
                EvalEvery = Math.Max(1, _r.DonorSteps / 5), CheckpointEvery = Math.Max(1, _r.DonorSteps / 5), Seed = _r.Seed,
                Trainable = TrainableSet.EmbeddingsAndHead,
                // An extension keeps the old rows (the English the model knows); a replaced vocabulary learns every row.
                TrainRowsFrom = vocab == "extended" ? NewRows.FirstAddedId(_stages.Path($"tokenizer-{vocab}")) : null,
            },
        };
        ui.Train($"training donor-{vocab} (embeddings + head)", (_, p) => TrainingJob.Run(spec, null, p));
        return spec.OutputDirectory;
    }

    private string Propagate(string donor, PropagationMode mode, string name)
    {
        PropagationResult r = ui.Step($"propagating into {name}", p => Propagator.Run(
            new PropagationOptions { Base = BaseDir, Instruct = InstructDir, Donor = donor, Output = _stages.Path(name), Mode = mode }, SyncProgress.Fractions(p)));
        string fit = string.Join(", ", r.Matrices.Where(m => m.RelativeResidual is not null).Select(m => $"{m.Tensor} residual {m.RelativeResidual:0.000}"));
        ui.Note($"{name}: {(fit.Length > 0 ? fit : "swap (P = identity)")}");
        return r.Output;
    }

    /// <summary>Base-like models (the base, the donors) are measured on held-out text only; instruct models on everything.</summary>
    private EvalResults Evaluate(IReadOnlyList<DemoModel> models, string suite) => EvalSuite.Evaluate(
        models.Where(m => m.IsInstruct).Select(m => (m.Name, m.Dir)).ToList(),
        models.Where(m => !m.IsInstruct).Select(m => (m.Name, m.Dir)).ToList(),
        suite, _stages.Path("eval"), new EvalOptions { Limit = _r.EvalItems, MaxNewTokens = 96, SpeedTask = "copy_ru" },
        Runtime.ComputeDevice.Resolve(options.Device), ui);

    /// <summary>The LEP variant with the best mean primary score over the Russian tasks.</summary>
    public static DemoModel? BestRussian(IReadOnlyList<DemoModel> models, EvalResults results) =>
        models.Where(m => m.Role == DemoRole.LepInstruct)
            .OrderByDescending(m => results.Results.Where(r => r.Model == m.Name && r.Task.EndsWith("_ru") && r.Kind != TaskKind.LanguageModeling)
                .Select(r => r.Metrics.GetValueOrDefault(r.Primary)).DefaultIfEmpty(0).Average())
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .FirstOrDefault();
}
