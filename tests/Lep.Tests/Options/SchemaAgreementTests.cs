using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Adaptation.EmbeddingInit;
using Lep.Adaptation.Merging;
using Lep.Adaptation.Propagation;
using Lep.Calibration;
using Lep.Cli;
using Lep.Data.Corpus;
using Lep.Data.Tasks;
using Lep.Demo;
using Lep.Evaluation;
using Lep.Evaluation.Report;
using Lep.Formats.Checkpoint;
using Lep.Formats.Gguf;
using Lep.Modeling;
using Lep.Options;
using Lep.Pipeline;
using Lep.Runtime;
using Lep.Tokenization;
using Lep.Tokenization.Training;
using Lep.Tokenization.Vocabulary;
using Lep.Training;
using Lep.Training.Torchrun;
using Lep.Zoo;

namespace Lep.Tests.Options;

/// <summary>
/// Every job's options are declared once, in its schema: for each job, the CLI command offers every option of the
/// schema with the schema's help text and default, the pipeline stage kind reads exactly the schema's options (the
/// same specs, so the same defaults and checks), and the library's options record defaults to the schema's values.
/// A default written out anywhere else (e.g. TrainingOptions.CheckpointEvery = 200 while the CLI said 100) fails here.
/// </summary>
public sealed class SchemaAgreementTests
{
    /// <param name="Cli">the command's path under `lep` and the arguments that make a valid command line (given
    /// options are not compared with their defaults)</param>
    /// <param name="Stage">a stage of the job with its required options only (or what it needs to be valid); null for a
    /// job that no pipeline stage kind runs (generate, info, diagnose, demo)</param>
    /// <param name="Schemas">the static classes that declare the job's options</param>
    /// <param name="Library">the options record's defaults, each beside the option it must equal</param>
    /// <param name="CliSelects">the option the CLI expresses as the subcommand (merge's method)</param>
    internal sealed record Job(string[] Cli, string? Stage, Type[] Schemas, Func<IEnumerable<(OptionSpec Option, object? Default)>> Library, OptionSpec? CliSelects = null)
    {
        public IReadOnlyList<OptionSpec> Options => Schemas
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(f => typeof(OptionSpec).IsAssignableFrom(f.FieldType)).Select(f => (OptionSpec)f.GetValue(null)!).ToList();
    }

    private static readonly Dictionary<string, Job> Jobs = new()
    {
        ["train"] = new(["train", "MODEL", "--corpus", "c.txt", "--out", "o"], """{"kind": "train", "model": "m", "corpus": "c.txt"}""",
            [typeof(TrainingSchema), typeof(LoraSchema), typeof(TorchrunSchema), typeof(DeviceSchema)], () =>
            {
                var t = new TrainingOptions();
                var launch = new TorchrunLaunch();
                var job = new TrainingJobSpec { ModelDirectory = "", Corpus = [], OutputDirectory = "" };
                return
                [
                    (TrainingSchema.Trainable, TrainableSets.Name(t.Trainable)), (TrainingSchema.Steps, t.Steps), (TrainingSchema.BlockSize, t.BlockSize),
                    (TrainingSchema.BatchSize, t.BatchSize), (TrainingSchema.GradientAccumulation, t.GradientAccumulation), (TrainingSchema.LearningRate, t.LearningRate),
                    (TrainingSchema.Warmup, t.WarmupSteps), (TrainingSchema.MinLearningRateRatio, t.MinLearningRateRatio), (TrainingSchema.WeightDecay, t.WeightDecay),
                    (TrainingSchema.Clip, t.GradientClip), (TrainingSchema.EvalEvery, t.EvalEvery), (TrainingSchema.CheckpointEvery, t.CheckpointEvery),
                    (TrainingSchema.NewRowsFrom, t.TrainRowsFrom), (TrainingSchema.NewRowsOnly, t.TrainRowIds is not null), (TrainingSchema.Seed, t.Seed),
                    (TrainingSchema.Storage, job.Storage.ToString().ToLowerInvariant()), (TrainingSchema.MaxDocuments, job.MaxDocuments),
                    (LoraSchema.Rank, t.Lora!.Rank), (LoraSchema.Alpha, t.Lora.Alpha), (LoraSchema.Targets, string.Join(",", t.Lora.Targets) == string.Join(",", LoraOptions.KnownTargets) ? "all" : "?"),
                    (LoraSchema.Embeddings, t.Lora.TrainEmbeddings),
                    (TorchrunSchema.NprocPerNode, launch.NprocPerNode), (TorchrunSchema.Nnodes, launch.Nnodes), (TorchrunSchema.NodeRank, launch.NodeRank),
                    (TorchrunSchema.RendezvousEndpoint, launch.RendezvousEndpoint), (TorchrunSchema.RendezvousTimeout, launch.RendezvousTimeoutSeconds),
                    (TorchrunSchema.ActivationCheckpointing, launch.ActivationCheckpointing), (DeviceSchema.Device, job.Device),
                ];
            }),
        ["calibrate"] = new(["calibrate", "MODEL", "--out", "o", "--sft", "s.jsonl"], """{"kind": "calibrate", "model": "m", "sft": "s.jsonl"}""",
            [typeof(CalibrationSchema), typeof(LoraSchema), typeof(DeviceSchema)], () =>
            {
                TrainingOptions t = Calibrator.DefaultTraining;
                var options = new CalibrationOptions { Model = "", Output = "", Sources = new() };
                return
                [
                    (CalibrationSchema.MaxNewTokens, new SelfCalibrationSource("", "").MaxNewTokens), (CalibrationSchema.CopyLanguage, new CopyTaskSource("", 1).Language),
                    (CalibrationSchema.Trainable, TrainableSets.Name(t.Trainable)), (CalibrationSchema.Steps, t.Steps), (CalibrationSchema.LearningRate, t.LearningRate),
                    (CalibrationSchema.BatchSize, t.BatchSize), (CalibrationSchema.BlockSize, t.BlockSize), (CalibrationSchema.Warmup, t.WarmupSteps),
                    (CalibrationSchema.CheckpointEvery, t.CheckpointEvery), (CalibrationSchema.Seed, t.Seed), (CalibrationSchema.Storage, options.Storage),
                    (LoraSchema.Rank, t.Lora!.Rank), (LoraSchema.Alpha, t.Lora.Alpha), (LoraSchema.Embeddings, t.Lora.TrainEmbeddings),
                    (DeviceSchema.Device, options.Device),
                ];
            }),
        ["diagnose"] = new(["diagnose", "--base", "b", "--instruct", "i"], """{"kind": "diagnose", "base": "b", "instruct": "i"}""",
            [typeof(DiagnoseSchema), typeof(DeviceSchema)], () => []),
        ["data build"] = new(["data", "build", "--out", "o"], """{"kind": "corpus"}""", [typeof(CorpusSchema)], () => []),
        ["data tasks"] = new(["data", "tasks", "--corpus", "c", "--out", "o"], """{"kind": "tasks", "corpus": "c"}""", [typeof(TasksSchema)],
            () => [(TasksSchema.Seed, new TaskOptions().Seed)]),
        ["eval"] = new(["eval", "--model", "m", "--suite", "s", "--out", "o"], """{"kind": "eval", "model": "m", "suite": "s"}""",
            [typeof(EvalSchema), typeof(BackendSchema), typeof(DeviceSchema)], () =>
            {
                var e = new EvalOptions();
                return
                [
                    (EvalSchema.Limit, e.Limit), (EvalSchema.Shots, e.Shots), (EvalSchema.BatchSize, e.BatchSize), (EvalSchema.MaxNewTokens, e.MaxNewTokens),
                    (EvalSchema.Prompt, e.Prompt.ToString().ToLowerInvariant()), (EvalSchema.NoSpeed, !e.Speed), (EvalSchema.SpeedPrompts, e.SpeedPrompts),
                    (EvalSchema.SpeedTokens, e.SpeedTokens), (BackendSchema.Backend, e.Backend.IsLlamaCpp ? InferenceBackend.LlamaCppName : InferenceBackend.TorchName),
                ];
            }),
        ["init"] = new(["init", "--base", "b", "--tokenizer", "t", "--out", "o"], """{"kind": "init", "base": "b", "tokenizer": "t"}""",
            [typeof(InitSchema)], () =>
            {
                var i = new InitOptions { Base = "", Tokenizer = "", Output = "" };
                return
                [
                    (InitSchema.Method, i.Method.ToString().ToLowerInvariant()), (InitSchema.Head, i.Head.ToString().ToLowerInvariant()), (InitSchema.Seed, i.Seed),
                    (InitSchema.WMeanDecay, i.WMeanDecay), (InitSchema.OmpAtoms, i.OmpAtoms),
                ];
            }),
        ["propagate"] = new(["propagate", "--base", "b", "--instruct", "i", "--donor", "d", "--out", "o"],
            """{"kind": "propagate", "base": "b", "instruct": "i", "donor": "d"}""", [typeof(PropagateSchema)], () =>
            {
                var p = new PropagationOptions { Base = "", Instruct = "", Donor = "", Output = "" };
                return
                [
                    (PropagateSchema.Mode, p.Mode.ToString().ToLowerInvariant()), (PropagateSchema.Compat, p.Compat.ToString().ToLowerInvariant()),
                    (PropagateSchema.Corpus, p.Corpus), (PropagateSchema.Precision, p.Precision == FitPrecision.Mixed ? "mixed" : "fp64"),
                    (PropagateSchema.SaveProjection, p.SaveProjections),
                ];
            }),
        ["tokenizer train"] = new(["tokenizer", "train", "--type", "bpe", "--corpus", "c", "--vocab-size", "300", "--out", "o"],
            """{"kind": "tokenizer", "op": "train", "type": "bpe", "corpus": "c", "vocab-size": 300}""", [typeof(TokenizerTrainSchema)], () =>
            {
                var t = new TokenizerTrainSpec { Type = TokenizerType.Bpe, VocabSize = 300 };
                return
                [
                    (TokenizerTrainSchema.Special, t.SpecialTokens), (TokenizerTrainSchema.MinFrequency, t.MinFrequency),
                    (TokenizerTrainSchema.CharacterCoverage, t.CharacterCoverage), (TokenizerTrainSchema.Source, t.Source),
                    (TokenizerTrainSchema.MinFrequency, new BpeTrainerOptions().MinFrequency), (TokenizerTrainSchema.CharacterCoverage, new BpeTrainerOptions().CharacterCoverage),
                    (TokenizerTrainSchema.CharacterCoverage, new UnigramTrainerOptions().CharacterCoverage),
                ];
            }),
        ["tokenizer extend"] = new(["tokenizer", "extend", "--tokenizer", "t", "--corpus", "c", "--add", "10", "--out", "o"],
            """{"kind": "tokenizer", "op": "extend", "tokenizer": "t", "corpus": "c", "add": 10}""", [typeof(TokenizerExtendSchema)],
            () => [(TokenizerExtendSchema.MinFrequency, new ExtendOptions { Add = 1 }.MinFrequency)]),
        ["tokenizer replace"] = new(["tokenizer", "replace", "--source", "s", "--tokenizer", "t", "--out", "o"],
            """{"kind": "tokenizer", "op": "replace", "source": "s", "tokenizer": "t"}""", [typeof(TokenizerReplaceSchema)], () => []),
        ["tokenizer trim"] = new(["tokenizer", "trim", "--tokenizer", "t", "--keep", "10", "--out", "o"],
            """{"kind": "tokenizer", "op": "trim", "tokenizer": "t", "keep": 10}""", [typeof(TokenizerTrimSchema)], () => []),
        ["export gguf"] = new(["export", "gguf", "MODEL", "o.gguf"], """{"kind": "gguf", "model": "m"}""", [typeof(GgufSchema)], () =>
            {
                var g = new GgufExportOptions();
                return [(GgufSchema.OutType, g.MatrixType.ToString().ToLowerInvariant()), (GgufSchema.UnigramAsLlama, !g.UnigramAsUgm)];
            }),
        ["merge chat-vector"] = new(["merge", "chat-vector", "--base", "b", "--instruct", "i", "--donor", "d", "--out", "o"],
            """{"kind": "chat-vector", "base": "b", "instruct": "i", "donor": "d"}""", [typeof(ChatVectorSchema)],
            () => [(ChatVectorSchema.SkipEmbed, new ChatVectorOptions { Base = "", Instruct = "", Donor = "", Output = "" }.SkipEmbed)]),
        ["generate"] = new(["generate", "MODEL", "--prompt", "hi"], null, [typeof(GenerateSchema), typeof(BackendSchema), typeof(DeviceSchema)], () =>
            {
                var s = new SamplingOptions();
                return
                [
                    (GenerateSchema.MaxNewTokens, s.MaxNewTokens), (GenerateSchema.Temperature, s.Temperature), (GenerateSchema.TopK, s.TopK),
                    (GenerateSchema.TopP, s.TopP), (GenerateSchema.Seed, s.Seed),
                ];
            }),
        ["report"] = new(["report", "r.json", "--out", "o"], """{"kind": "report", "results": "r.json"}""", [typeof(ReportSchema)], () => []),
        ["info"] = new(["info", "MODEL"], null, [typeof(InfoSchema)], () => []),
        ["demo"] = new(["demo"], null, [typeof(DemoSchema), typeof(DeviceSchema)],
            () => [(DeviceSchema.Device, new DemoOptions { Zoo = "", OutputDirectory = "" }.Device)]),
        ["zoo build"] = new(["zoo", "build"], null, [typeof(ZooSchema), typeof(DeviceSchema)], () =>
            {
                var z = new ZooBuildOptions { OutputDirectory = "", WorkDirectory = "" };
                return [(ZooSchema.Profile, z.Profile), (DeviceSchema.Device, z.Device)];
            }),
        ["merge linear"] = new(["merge", "linear", "--a", "a", "--b", "b", "--weight", "0.5", "--out", "o"],
            """{"kind": "merge", "a": "a", "b": "b", "weight": 0.5}""", [typeof(MergeSchema)], MergeDefaults, MergeSchema.Method),
        ["merge slerp"] = new(["merge", "slerp", "--a", "a", "--b", "b", "--weight", "0.5", "--out", "o"],
            """{"kind": "merge", "method": "slerp", "a": "a", "b": "b", "weight": 0.5}""", [typeof(MergeSchema)], MergeDefaults, MergeSchema.Method),
    };

    private static IEnumerable<(OptionSpec, object?)> MergeDefaults()
    {
        var m = new MergeOptions { A = "", B = "", Weight = 0, Output = "" };
        return [(MergeSchema.Method, m.Method.ToString().ToLowerInvariant()), (MergeSchema.MergeSpecialRows, !m.CopySpecialRows)];
    }

    public static TheoryData<string> JobNames => new(Jobs.Keys);
    public static TheoryData<string> StageJobNames => new(Jobs.Where(j => j.Value.Stage is not null).Select(j => j.Key));

    [Theory]
    [MemberData(nameof(JobNames))]
    public void The_cli_command_offers_every_option_with_the_schema_help_and_default(string name)
    {
        Job job = Jobs[name];
        RootCommand root = LepCli.Build();
        string[] args = job.Cli.Select(a => a == "MODEL" ? "model-dir" : a).ToArray();
        ParseResult parse = root.Parse(args);
        Assert.Empty(parse.Errors.Select(e => e.Message));
        Command command = parse.CommandResult.Command;
        var symbols = command.Options.Cast<Symbol>().Concat(command.Arguments).ToList();
        foreach (OptionSpec spec in job.Options)
        {
            if (spec == job.CliSelects)
            {
                Assert.Contains(command.Name, spec.Choices!);
                continue;
            }
            Symbol? symbol = symbols.FirstOrDefault(s => s.Name == "--" + spec.Name) ?? symbols.FirstOrDefault(s => SchemaOptions.SpecOf(s) == spec);
            Assert.True(symbol is not null, $"{name}: no --{spec.Name}");
            Assert.Equal(spec.Description, symbol.Description);
            if (spec.Required || args.Contains(symbol.Name)) continue;
            object? value = typeof(ParseResult).GetMethods().Single(m => m.Name == nameof(ParseResult.GetValue) && m.GetParameters()[0].ParameterType == typeof(string))
                .MakeGenericMethod(spec.ValueType).Invoke(parse, [symbol.Name]);
            Assert.True(Json(spec.DefaultValue) == Json(value), $"{name}: --{spec.Name} defaults to {Json(value)}, the schema to {Json(spec.DefaultValue)}");
        }
        // and no flag of another job's schema
        foreach (Symbol s in symbols)
            if (SchemaOptions.SpecOf(s) is OptionSpec spec) Assert.Contains(spec, job.Options);
    }

    [Theory]
    [MemberData(nameof(StageJobNames))]
    public void The_stage_kind_reads_exactly_the_schema(string name)
    {
        Job job = Jobs[name];
        var raw = JsonNode.Parse(job.Stage!)!.AsObject();
        string kind = raw["kind"]!.GetValue<string>();
        var scope = new PipelineScope("/tmp/p", "/tmp/p/work", new Dictionary<string, int> { ["s"] = 0 }, _ => null, new Dictionary<string, string>(), fileOnDisk: true);
        var options = new StageOptions(scope, "s", kind, 0, raw);
        StageKindRegistry.Default.Find(kind)!.Bind(options);
        Assert.Empty(options.Errors);
        Assert.Equal(job.Options.Select(o => o.Name).Order(), options.SpecsRead.Keys.Order());
        foreach (OptionSpec spec in job.Options) Assert.Same(spec, options.SpecsRead[spec.Name]);
        Assert.Equal(options.SpecsRead.Keys.Order(), options.KeysRead.Except(Selectors).Order());
    }

    [Theory]
    [MemberData(nameof(JobNames))]
    public void The_library_record_defaults_to_the_schema(string name)
    {
        foreach (var (option, value) in Jobs[name].Library())
            Assert.True(Json(option.DefaultValue) == Json(value), $"{name}: the library's {option.Name} defaults to {Json(value)}, the schema to {Json(option.DefaultValue)}");
    }

    /// <summary>Stage keys that choose the job (the CLI's subcommand) rather than set an option of it.</summary>
    private static readonly string[] Selectors = ["op"];

    private static string Json(object? value) => JsonSerializer.Serialize(value is string[] { Length: 0 } ? null : value);
}
