using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Lep.Data;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Tokenization;
using Lep.Tokenization.ChatTemplates;
using Lep.Training;

namespace Lep.Calibration;

/// <summary>
/// Calibration (LEP paper, Table 4): a short fine-tune of the propagated model on conversations — the original instruct
/// model's own answers (self-calibration), an SFT set, and/or copy-task examples — with loss on assistant tokens only.
/// LoRA by default (merged on save). Training goes through <see cref="TrainingJob.Train"/>, so OUT.run/ holds the
/// checkpoint (re-running the same command resumes), metrics.jsonl and the teacher's cached answers.
/// </summary>
public static class Calibrator
{
    /// <summary>The file in the output dir that holds the <see cref="CalibrationResult"/>.</summary>
    public const string ReportFile = "calibration.json";

    /// <summary>The defaults of <see cref="CalibrationSchema"/> (LoRA r=8, alpha=16 on every projection, 200 steps),
    /// no weight decay and no validation.</summary>
    public static readonly TrainingOptions DefaultTraining = new()
    {
        Steps = CalibrationSchema.Steps.Default, BlockSize = CalibrationSchema.BlockSize.Default, BatchSize = CalibrationSchema.BatchSize.Default,
        LearningRate = CalibrationSchema.LearningRate.Default, WarmupSteps = CalibrationSchema.Warmup.Default, WeightDecay = 0.0, EvalEvery = 0,
        CheckpointEvery = CalibrationSchema.CheckpointEvery.Default, Seed = CalibrationSchema.Seed.Default,
        Trainable = TrainableSets.Parse(CalibrationSchema.Trainable.Default), Lora = new(),
    };

    /// <summary>Builds the conversations, fine-tunes (resuming a killed run) and writes the calibrated
    /// model.</summary>
    public static CalibrationResult Run(CalibrationOptions o, IProgress<(string Stage, double Fraction)>? stages = null,
        IProgress<TrainingProgress>? steps = null, CancellationToken cancellation = default)
    {
        Validate(o);
        string runDirectory = TrainingJob.RunDirectoryFor(o.Output);
        bool replace = o.ReplaceOutput || TrainingJob.IsRerun(o.Output); // before this run makes the run dir
        var bySource = new Dictionary<string, List<List<ChatMessage>>>();
        var report = new JsonObject();

        // Cheap sources first, so their input errors come before any generation.
        if (o.Sources.Sft is string sft)
        {
            stages?.Report(("reading SFT data", 0));
            bySource["sft"] = ConversationFiles.ReadSft(sft);
            report["sft"] = new JsonObject { ["path"] = sft, ["conversations"] = bySource["sft"].Count };
        }
        if (o.Sources.Copy is { } copy)
        {
            stages?.Report(("building copy task", 0));
            bySource["copy"] = CopyTask.Conversations(copy, o.Training.Seed);
            report["copy"] = new JsonObject
            {
                ["path"] = copy.Text, ["requested"] = copy.Count, ["conversations"] = bySource["copy"].Count,
                ["language"] = copy.Language, ["max_words"] = copy.MaxWords,
            };
        }
        if (o.Sources.SelfCalibration is { } self)
        {
            var device = Runtime.ComputeDevice.Resolve(o.Device);
            var progress = new SyncProgress<double>(f => stages?.Report(("teacher answering", f)));
            SelfCalibration.Answers answers = SelfCalibration.Run(self, runDirectory, device, progress);
            bySource["self"] = answers.Conversations;
            report["self"] = new JsonObject
            {
                ["teacher"] = self.Teacher, ["prompts_path"] = self.Prompts, ["prompts"] = answers.Prompts,
                ["conversations"] = answers.Conversations.Count, ["generated"] = answers.Generated, ["cached"] = answers.Cached,
                ["truncated"] = answers.Truncated, ["empty_answers"] = answers.Empty, ["max_new_tokens"] = self.MaxNewTokens,
            };
        }

        stages?.Report(("tokenizing", 0));
        Tokenizer tokenizer = Tokenizer.Load(o.Model);
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(Path.Combine(o.Model, "tokenizer_config.json"));
        List<List<ChatMessage>> all = bySource.Values.SelectMany(c => c).ToList();
        var documents = new List<TrainingDocument>(all.Count);
        for (int i = 0; i < all.Count; i++)
        {
            TrainingDocument doc = ChatDocuments.Encode(tokenizer, template, all[i]);
            if (doc.Learn!.Any(l => l)) documents.Add(doc);
            if (i % 64 == 63) stages?.Report(("tokenizing", (i + 1) / (double)all.Count));
        }
        if (documents.Count == 0) throw new LepInputException(o.Model, "no conversation has an assistant token to learn");
        // Mix the sources: rows are packed in document order.
        TrainingDocument[] mixed = documents.ToArray();
        new Random(unchecked((int)o.Training.Seed ^ (int)(o.Training.Seed >> 32))).Shuffle(mixed);

        DType storage = o.Storage ?? InputStorage(o.Model);
        var spec = new TrainingJobSpec
        {
            ModelDirectory = o.Model,
            Corpus = new[] { o.Sources.Sft, o.Sources.Copy?.Text, o.Sources.SelfCalibration?.Prompts }.OfType<string>().ToList(),
            OutputDirectory = o.Output,
            ReplaceOutput = replace,
            Options = o.Training,
            Storage = storage,
            Device = o.Device,
        };
        stages?.Report(("training", 0));
        TrainingResult training = TrainingJob.Train(spec, mixed, [], steps, cancellation);

        var (first, final) = Losses(Path.Combine(o.Output, "metrics.jsonl"));
        var counts = bySource.ToDictionary(kv => kv.Key, kv => kv.Value.Count);
        long tokens = mixed.Sum(d => (long)d.Tokens.Length), learned = mixed.Sum(d => (long)d.Learn!.Count(l => l));
        var json = new JsonObject
        {
            ["model"] = o.Model,
            ["sources"] = report,
            ["conversations"] = counts.Values.Sum(),
            ["documents"] = mixed.Length,
            ["tokens"] = tokens,
            ["learned_tokens"] = learned,
            ["storage"] = storage.ToString(),
            ["trainable"] = o.Training.Trainable.ToString(),
            ["options"] = JsonSerializer.SerializeToNode(o.Training, ReportJson),
            ["steps"] = training.Steps,
            ["first_loss"] = Round(first),
            ["final_loss"] = Round(final),
            ["resumed"] = training.Resumed,
        };
        JsonFile.Write(Path.Combine(o.Output, ReportFile), json);
        new Provenance.ModelCard
        {
            Title = "Calibrated model",
            Job = "lep calibrate",
            What = $"The input model fine-tuned ({o.Training.Trainable.ToString().ToLowerInvariant()}) on {string.Join(", ", bySource.Keys)} conversations, "
                + "loss on assistant tokens only (calibration.json has the details).",
            Options = o,
            Inputs = [("model", o.Model),
                .. new[] { ("teacher", o.Sources.SelfCalibration?.Teacher), ("prompts", o.Sources.SelfCalibration?.Prompts), ("sft", o.Sources.Sft),
                    ("copy-from", o.Sources.Copy?.Text) }
                .Where(x => x.Item2 is not null).Select(x => (x.Item1, x.Item2!))],
            Numbers =
            [
                ("steps", training.Steps.ToString()), ("tokens", tokens.ToString()), ("learned (assistant) tokens", learned.ToString()),
                ("first loss", first.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)),
                ("final loss", final.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)),
            ],
        }.Write(o.Output);
        return new CalibrationResult(o.Output, counts, tokens, learned, first, final, training);
    }

    private static readonly JsonSerializerOptions ReportJson = new() { Converters = { new JsonStringEnumConverter() } };

    private static JsonNode? Round(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;

    private static void Validate(CalibrationOptions o)
    {
        if (o.Sources.IsEmpty) throw new ArgumentException("calibration needs at least one source: self-calibration (teacher + prompts), SFT data or the copy task");
        o.Training.Validate();
        if (!Directory.Exists(o.Model)) throw new LepInputException(o.Model, "model directory not found");
        foreach (string file in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
        {
            if (!File.Exists(Path.Combine(o.Model, file))) throw new LepInputException(o.Model, $"the model dir has no {file} (calibration needs the LEP model's tokenizer and " +
                $"chat template)");
        }
        if (!CheckpointReader.HasWeights(o.Model)) throw new LepInputException(o.Model, "the model directory has no safetensors weights");
        CheckpointLayout.Validate(o.Model);
        if (o.Sources.SelfCalibration?.Teacher is string teacher && CheckpointReader.HasWeights(teacher)) CheckpointLayout.Validate(teacher);
        string output = Path.GetFullPath(o.Output).TrimEnd('/');
        foreach (string? input in new[] { o.Model, o.Sources.SelfCalibration?.Teacher })
        {
            if (input is not null && Path.GetFullPath(input).TrimEnd('/') == output)
                throw new LepInputException(o.Output, "the output dir must not be an input model dir");
        }
        // The template must exist before anything expensive runs.
        ChatTemplate.FromTokenizerConfig(Path.Combine(o.Model, "tokenizer_config.json"));
    }

    /// <summary>The dtype the input's embedding matrix is stored in (the checkpoint's dtype).</summary>
    private static DType InputStorage(string model)
    {
        using CheckpointReader reader = CheckpointReader.Open(model);
        const string name = "model.embed_tokens.weight";
        return reader.Contains(name) && reader.Info(name).DType.IsFloat() ? reader.Info(name).DType : DType.BF16;
    }

    /// <summary>The loss of the first and of the last logged step.</summary>
    private static (double First, double Final) Losses(string metricsPath)
    {
        double first = double.NaN, final = double.NaN;
        if (!File.Exists(metricsPath)) return (first, final);
        foreach (string line in File.ReadLines(metricsPath))
        {
            if (JsonNode.Parse(line)?["loss"]?.GetValue<double>() is not double loss) continue;
            if (double.IsNaN(first)) first = loss;
            final = loss;
        }
        return (first, final);
    }
}
