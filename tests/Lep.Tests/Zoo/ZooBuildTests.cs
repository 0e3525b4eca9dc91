using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lep.Formats.Checkpoint;
using Lep.Pipeline;
using Lep.Tests.Support;
using Lep.Zoo;

namespace Lep.Tests.Zoo;

public class ZooBuildTests
{
    [SkippableFact]
    public void QuickBuildWritesLoadableModelsWithAManifestResumesAKilledStageAndReusesEveryStage()
    {
        using var dir = new TempDir();
        ZooBuildOptions options = TestZoo.Options(dir);
        JsonObject manifest = new LepZoo(options, SilentPipelineUi.Instance).Build().Manifest;

        foreach (string name in new[] { ZooModels.BaseName, ZooModels.InstructName })
        {
            string model = Path.Combine(options.OutputDirectory, name);
            ModelSummary s = ModelSummary.Inspect(model);
            Assert.Equal("LlamaForCausalLM", s.Architecture);
            Assert.False(s.TiedEmbeddings);
            Assert.True(s.KeyValueHeads < s.Heads);
            Assert.Equal(["BF16"], s.ParametersByDtype.Keys);
            Assert.Equal(name == ZooModels.InstructName, s.HasChatTemplate);
            foreach (var (file, info) in manifest["models"]![name]!["files"]!.AsObject())
                Assert.Equal(info!["sha256"]!.GetValue<string>(), Sha256(Path.Combine(model, file)));
        }
        var scores = manifest["scores"]!.AsObject();
        Assert.True(scores[ZooModels.BaseName]!["heldout_ru"]!["bits_per_char"]!.GetValue<double>() > 0);
        Assert.True(scores[ZooModels.InstructName]!.AsObject().Count >= 8);
        double unigram = manifest["baselines"]!["heldout_ru"]!["character_unigram_bits_per_char"]!.GetValue<double>();
        Assert.InRange(unigram, 3.0, 7.0);
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, ZooModels.BaseName + ".loss.png")));
        Assert.False(File.Exists(Path.Combine(options.OutputDirectory, StageMarker.FileName)));
        // recipe.json: the variables as this build set them (profile quick, then the toy sizes).
        JsonObject recipe = JsonFile.ReadObject(Path.Combine(options.OutputDirectory, "recipe.json"));
        Assert.Equal("quick", recipe["NAME"]!.GetValue<string>());
        Assert.Equal(8, recipe["PRETRAIN_STEPS"]!.GetValue<long>());
        Assert.Equal(64, recipe["HIDDEN_SIZE"]!.GetValue<long>());
        Assert.Equal("lep zoo build --profile quick", manifest["built_by"]!.GetValue<string>());
        Assert.Contains("base", manifest["stage_seconds"]!.AsObject().Select(kv => kv.Key));

        // A killed instruction tuning (its marker still "running") resumes from its checkpoint to the same weights;
        // every other stage is reused, and the build's own output is replaced without --force.
        string instruct = Path.Combine(options.WorkDirectory, "instruct");
        string before = Sha256(Path.Combine(instruct, "model.safetensors"));
        (StageMarker.TryRead(instruct, "instruct")! with { Done = false }).Write(instruct);
        PipelineRunResult resumed = new LepZoo(options, SilentPipelineUi.Instance).Build().Run;
        Assert.Equal(["instruct"], resumed.Stages.Where(s => s.State != StageState.Skip).Select(s => s.Stage));
        Assert.Equal(StageState.Resume, resumed.Stages.Single(s => s.Stage == "instruct").State);
        Assert.Equal(before, Sha256(Path.Combine(instruct, "model.safetensors")));

        PipelineRunResult again = new LepZoo(options, SilentPipelineUi.Instance).Build().Run;
        Assert.All(again.Stages, s => Assert.Equal(StageState.Skip, s.State));
    }

    [Fact]
    public void ChangingAVariableIsRefusedNamingTheChangedStagesAndForcedReRunsExactlyTheStagesItAffects()
    {
        using var dir = new TempDir();
        ZooBuildOptions options = TestZoo.Options(dir) with { CorpusDirectory = dir.File("corpus") };
        PipelineDefinition pipeline = new LepZoo(options, SilentPipelineUi.Instance).Load();
        // Every stage finished once with the toy sizes (markers only: the plan reads nothing else).
        var runIds = new Dictionary<string, string>();
        foreach (PipelineStage s in pipeline.Stages)
        {
            runIds[s.Name] = StageMarker.NewRunId();
            Directory.CreateDirectory(s.ArtifactDirectory);
            new StageMarker
            {
                Stage = s.Name, Kind = s.Kind.Name, Done = true, RunId = runIds[s.Name], Options = s.Options, OptionsHash = s.OptionsHash,
                Inputs = s.Dependencies.ToDictionary(d => d, d => runIds[d]),
            }.Write(s.ArtifactDirectory);
        }
        Assert.All(PipelinePlan.Create(pipeline, checkInputs: false).Stages, s => Assert.Equal(StageState.Skip, s.State));

        var longer = options with { Variables = new Dictionary<string, string>(TestZoo.ToySizes) { ["INSTRUCT_STEPS"] = "5" } };
        var e = Assert.Throws<LepInputException>(() => new LepZoo(longer, SilentPipelineUi.Instance).Plan(new LepZoo(longer, SilentPipelineUi.Instance).Load()));
        Assert.Contains("instruct: steps 4 → 5", e.Message);
        Assert.Contains("also publish", e.Message);

        var forced = longer with { Force = true };
        PipelinePlan plan = new LepZoo(forced, SilentPipelineUi.Instance).Plan(new LepZoo(forced, SilentPipelineUi.Instance).Load());
        Assert.Equal(["instruct", "eval-instruct", "eval", "diagnostics", "publish"], plan.Stages.Where(s => s.WillRun).Select(s => s.Stage.Name));
    }

    [Fact]
    public void The_cli_refuses_an_output_the_build_did_not_write()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("out"));
        File.WriteAllText(dir.File("out/notes.txt"), "mine");
        var r = LepProcess.Run("zoo", "build", "--profile", "quick", "--out", dir.File("out"));
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("already exists and is not empty (--force replaces it)", r.StdErr);
        Assert.True(File.Exists(dir.File("out/notes.txt")));
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

public class RepeatedPassagesTests
{
    [Fact]
    public void APassageIsWholeLinesOfItsDocumentWrittenTwice()
    {
        string doc = string.Join('\n', Enumerable.Range(0, 40).Select(i => $"Line number {i} of the manual."));
        for (int seed = 0; seed < 20; seed++)
        {
            string repeated = RepeatedPassages.From(doc, new Random(seed))!;
            string[] lines = repeated.Split('\n');
            Assert.True(lines.Length % 2 == 0, repeated);
            string first = string.Join('\n', lines[..(lines.Length / 2)]);
            Assert.Equal(first + "\n" + first, repeated);
            Assert.InRange(first.Length, 1, RepeatedPassages.MaxPassageChars);
            Assert.Contains(first, doc);
        }
        string longLine = string.Join(' ', Enumerable.Repeat("word", 200));
        string cut = RepeatedPassages.From(longLine, new Random(1))!;
        Assert.InRange(cut.Length, 2 * 250, 2 * RepeatedPassages.MaxPassageChars + 1);
        Assert.Null(RepeatedPassages.From("\n\n", new Random(1)));
    }

    [Fact]
    public void TheShareOfDocumentsGettingAPassageIsSeededAndRoughlyAsAsked()
    {
        var docs = Enumerable.Range(0, 2000).Select(i => $"Document {i}.\nIt has two lines.").ToList();
        var (mixed, added) = RepeatedPassages.Add(docs, 0.3, seed: 7);
        Assert.Equal(mixed, RepeatedPassages.Add(docs, 0.3, seed: 7).Documents);
        Assert.InRange(mixed.Count - docs.Count, 500, 700);
        var originals = docs.ToHashSet();
        Assert.Equal(mixed.Where(d => !originals.Contains(d)).Sum(d => (long)d.Length), added);
        Assert.Equal(docs, mixed.Where(originals.Contains));
        Assert.Equal(docs, RepeatedPassages.Add(docs, 0, seed: 7).Documents);
    }
}

public class InductionSequencesTests
{
    [Fact]
    public void A_sequence_is_a_run_of_corpus_words_written_twice_until_the_budget_is_met()
    {
        string[] docs = ["The manual says: install the package.", "Пакет установлен, 42 раза!", "-- 17 --"];
        List<string> vocabulary = InductionSequences.Vocabulary(docs);
        Assert.Equal(["The", "manual", "says:", "install", "the", "package.", "Пакет", "установлен,", "раза!"], vocabulary);

        var (sequences, chars) = InductionSequences.Make(vocabulary, 5_000, seed: 3);
        Assert.Equal(sequences, InductionSequences.Make(vocabulary, 5_000, seed: 3).Documents);
        Assert.NotEqual(sequences, InductionSequences.Make(vocabulary, 5_000, seed: 4).Documents);
        Assert.Equal(sequences.Sum(s => (long)s.Length), chars);
        Assert.InRange(chars, 5_000, 5_000 + 2 * (InductionSequences.MaxWords * 12 + 1));
        foreach (string s in sequences)
        {
            string[] halves = s.Split('\n');
            Assert.Equal(2, halves.Length);
            Assert.Equal(halves[0], halves[1]);
            string[] words = halves[0].Split(' ');
            Assert.InRange(words.Length, InductionSequences.MinWords, InductionSequences.MaxWords);
            Assert.All(words, w => Assert.Contains(w, vocabulary));
        }
        Assert.Empty(InductionSequences.Make([], 100, seed: 1).Documents);
    }
}
