using Lep.Data;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Options;
using Lep.Tokenization;
using Lep.Training.Torchrun;

namespace Lep.Training;

/// <summary>Inputs of a training job: a model dir (with its tokenizer), corpus files and the run settings.</summary>
public sealed record TrainingJobSpec
{
    /// <summary>The HF model dir to start from (with tokenizer.json).</summary>
    public required string ModelDirectory { get; init; }
    /// <summary>Training text files (.txt or .jsonl).</summary>
    public required IReadOnlyList<string> Corpus { get; init; }
    /// <summary>Held-out text; null = every <see cref="ValidationEvery"/>-th training document.</summary>
    public string? ValidationCorpus { get; init; }
    /// <summary>The trained model dir to write (its run state goes beside it, in OUT.run/).</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>Steps, learning rate, batch and the other hyper-parameters.</summary>
    public TrainingOptions Options { get; init; } = new();
    /// <summary>dtype of the written weights (bf16, f16 or f32).</summary>
    public DType Storage { get; init; } = DTypes.ParseFloat(TrainingSchema.Storage.Default);
    /// <summary>Use only the first N documents of the corpus.</summary>
    public int? MaxDocuments { get; init; }
    /// <summary>Share of documents held out for validation when no validation corpus is given (every k-th document).</summary>
    public int ValidationEvery { get; init; } = 50;
    /// <summary>The compute device: cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = Runtime.DeviceSchema.Device.Default;
    /// <summary>Run on PyTorch's distributed engine (engines/torch) under torchrun instead of the local trainer.</summary>
    public TorchrunLaunch? Torchrun { get; init; }
}

/// <summary>
/// Tokenises a corpus, packs it, trains, and writes the result as an HF dir. The run state lives in
/// <c>OUT.run/</c> (checkpoint, metrics.jsonl) so the same command resumes a killed run exactly.
/// </summary>
public static class TrainingJob
{
    /// <summary>Where a run keeps its checkpoint and metrics: OUT.run beside the output dir.</summary>
    public static string RunDirectoryFor(string outputDirectory) => outputDirectory.TrimEnd('/') + ".run";

    /// <summary>An output dir with this job's run state beside it: a re-run continues (and rewrites) it.</summary>
    public static bool IsRerun(string outputDirectory) => Directory.Exists(RunDirectoryFor(outputDirectory));

    /// <summary>Trains the model on the corpus and writes it; the same call resumes a killed run from its checkpoint.</summary>
    /// <param name="note">lines for the user (the torchrun engine's memory plan)</param>
    public static TrainingResult Run(TrainingJobSpec spec, IProgress<(string Stage, double Fraction)>? progress = null,
        IProgress<TrainingProgress>? steps = null, CancellationToken cancellation = default, Action<string>? note = null)
    {
        spec.Torchrun?.Validate(spec.Options);
        RequireBlockFits(spec, ModelConfig.Load(Path.Combine(spec.ModelDirectory, "config.json")));
        Tokenizer tokenizer = Tokenizer.Load(spec.ModelDirectory);
        var (train, validation) = Tokenize(spec, tokenizer, progress);
        if (spec.Torchrun is { } launch)
        {
            var (trainRows, validationRows) = Pack(spec, train, validation, ModelConfig.Load(Path.Combine(spec.ModelDirectory, "config.json")).VocabSize);
            return TorchrunEngine.Train(spec, launch, trainRows, validationRows, note, steps, cancellation);
        }
        return Train(spec, train, validation, steps, cancellation);
    }

    /// <summary>Packs both splits into rows of the block size, after checking every id has an embedding row.</summary>
    private static (List<PackedRow> Train, List<PackedRow> Validation) Pack(TrainingJobSpec spec, IReadOnlyList<TrainingDocument> train,
        IReadOnlyList<TrainingDocument> validation, int vocabSize)
    {
        int maxId = train.Concat(validation).SelectMany(d => d.Tokens).DefaultIfEmpty(0).Max();
        if (maxId >= vocabSize)
            throw new LepInputException(spec.ModelDirectory, $"token id {maxId} is beyond the model's {vocabSize} embedding rows (tokenizer and model disagree)");
        var trainRows = DocumentPacker.Pack(train, spec.Options.BlockSize);
        if (trainRows.Count == 0) throw new LepInputException(spec.Corpus.FirstOrDefault() ?? spec.ModelDirectory, "no training text (empty corpus or only one-token documents)");
        return (trainRows, DocumentPacker.Pack(validation, spec.Options.BlockSize));
    }

    /// <summary>Trains on already tokenised documents (plain text or chat SFT with loss masks) and writes the model.</summary>
    internal static TrainingResult Train(TrainingJobSpec spec, IReadOnlyList<TrainingDocument> train, IReadOnlyList<TrainingDocument> validation,
        IProgress<TrainingProgress>? steps = null, CancellationToken cancellation = default)
    {
        // Re-running the same job (its run state beside the output) rewrites that job's own output.
        bool replace = spec.ReplaceOutput || IsRerun(spec.OutputDirectory);
        var device = Runtime.ComputeDevice.Resolve(spec.Device);
        using LlamaForCausalLM model = LlamaForCausalLM.Load(spec.ModelDirectory, device);
        RequireBlockFits(spec, model.Config);
        var (trainRows, validationRows) = Pack(spec, train, validation, model.Config.VocabSize);

        var trainer = new Trainer(model, spec.Options, trainRows, validationRows, RunDirectoryFor(spec.OutputDirectory));
        TrainingResult result = trainer.Run(steps, cancellation);
        model.MergeLora(); // LoRA runs: the written dir holds merged weights under the input's tensor names only

        using var staging = new StagingDirectory(spec.OutputDirectory, replace);
        model.Save(staging.Path, spec.Storage);
        ModelDirectory.CopyCompanionFiles(spec.ModelDirectory, staging.Path);
        File.Copy(trainer.MetricsPath, staging.File("metrics.jsonl"), overwrite: true);
        LossCurve.Render(trainer.MetricsPath, staging.File("loss.png"), $"Training loss — {Path.GetFileName(spec.OutputDirectory.TrimEnd('/'))}");
        TrainingCard(spec, result).Write(staging.Path);
        staging.Commit();
        return result;
    }

    /// <summary>A packed row longer than the model's context would train positions the model never had.</summary>
    private static void RequireBlockFits(TrainingJobSpec spec, ModelConfig config)
    {
        string configFile = Path.Combine(spec.ModelDirectory, "config.json");
        if (spec.Options.BlockSize > config.MaxPositionEmbeddings)
            throw new OptionException(
                $"{configFile}: {TrainingSchema.BlockSize.Is(spec.Options.BlockSize)} exceeds the model's context (max_position_embeddings {config.MaxPositionEmbeddings})");
    }

    private static Provenance.ModelCard TrainingCard(TrainingJobSpec spec, TrainingResult r)
    {
        static string F(double x) => x.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
        return new Provenance.ModelCard
        {
            Title = $"Trained model ({spec.Options.Trainable.ToString().ToLowerInvariant()})",
            Job = "lep train",
            What = "The input model after training on the given text (metrics.jsonl and loss.png hold the curves).",
            Options = spec,
            Inputs = [("model", spec.ModelDirectory), .. spec.Corpus.Select(c => ("corpus", c)), .. spec.ValidationCorpus is null ? []
                : new[] { ("validation", spec.ValidationCorpus) }],
            Numbers =
            [
                ("steps", r.Steps.ToString()), ("tokens trained", r.Tokens.ToString()), ("final training loss", F(r.FinalLoss)),
                .. r.FinalValidationLoss is double v ? [("final validation loss", F(v))] : Array.Empty<(string, string)>(),
                ("training seconds", r.Seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)),
            ],
        };
    }

    /// <summary>Encodes documents (with the tokenizer's special tokens, e.g. BOS) and appends EOS when the model has one.</summary>
    private static (List<TrainingDocument> Train, List<TrainingDocument> Validation) Tokenize(TrainingJobSpec spec, Tokenizer tokenizer, IProgress<(string, double)>? progress)
    {
        ModelConfig config = ModelConfig.Load(Path.Combine(spec.ModelDirectory, "config.json"));
        int? eos = config.EosTokenIds.Length > 0 ? config.EosTokenIds[0] : null;
        int[] Encode(string text)
        {
            int[] ids = tokenizer.Encode(text, addSpecialTokens: true);
            return eos is int e && (ids.Length == 0 || ids[^1] != e) ? [.. ids, e] : ids;
        }

        var documents = spec.Corpus.SelectMany(DocumentReader.Read);
        if (spec.MaxDocuments is int max) documents = documents.Take(max);
        List<string> texts = documents.ToList();
        var encoded = new int[texts.Count][];
        int done = 0;
        Parallel.For(0, texts.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            encoded[i] = Encode(texts[i]);
            int n = Interlocked.Increment(ref done);
            if (n % 256 == 0) progress?.Report(("tokenizing", n / (double)texts.Count));
        });

        if (spec.ValidationCorpus is not null)
            return (encoded.Select(e => new TrainingDocument(e)).ToList(), DocumentReader.Read(spec.ValidationCorpus).Select(t => new TrainingDocument(Encode(t))).ToList());
        var train = new List<TrainingDocument>();
        var validation = new List<TrainingDocument>();
        for (int i = 0; i < encoded.Length; i++) (i % spec.ValidationEvery == spec.ValidationEvery - 1 ? validation : train).Add(encoded[i]);
        return (train, validation);
    }
}
