using System.Text.Json.Nodes;
using Lep.Adaptation.Propagation;
using Lep.Cli;
using Lep.Evaluation;
using Lep.Evaluation.Prompts;
using Lep.Options;
using Lep.Pipeline;
using Lep.Tokenization;
using Lep.Tokenization.Vocabulary;
using Lep.Training;

namespace Lep.Tests.Options;

/// <summary>The schema mechanism: names, checks that leave the name out, and one refusal worded by each caller.</summary>
public sealed class OptionSpecTests
{
    [Theory]
    [InlineData("--steps")]
    [InlineData("Steps")]
    [InlineData("lora_rank")]
    [InlineData("")]
    public void Names_are_kebab_case_without_dashes(string name) =>
        Assert.Throws<ArgumentException>(() => OptionSpec.Int(name, 1, "x"));

    [Fact]
    public void Checks_say_what_is_wrong_without_the_name()
    {
        Assert.Equal("must be ≥ 1, not 0", TrainingSchema.Steps.Problem(0));
        Assert.Null(TrainingSchema.Steps.Problem(1));
        Assert.Equal("must be a finite number > 0, not 0", TrainingSchema.LearningRate.Problem(0));
        Assert.Equal("must be a finite number, not NaN", TrainingSchema.LearningRate.Problem(double.NaN));
        Assert.Equal("must be within [0, 1], not 1.5", TrainingSchema.MinLearningRateRatio.Problem(1.5));
        Assert.Equal("'sgd' is not one of all, embeddings, lora", TrainingSchema.Trainable.Problem("sgd"));
        Assert.Equal("must be a finite number, not Infinity", OptionSpec.Number("x", 0, "x").Problem(double.PositiveInfinity));
        Assert.Null(TrainingSchema.MaxDocuments.Problem(null));
        Assert.Equal("must be ≥ 1, not 0", TrainingSchema.MaxDocuments.Problem(0));
    }

    [Fact]
    public void An_enum_choice_offers_the_members_in_order_and_reads_each_back()
    {
        Assert.Equal(["swap", "overlap", "conversion", "sum", "cooccurrence", "bypass"], PropagateSchema.Mode.Choices);
        Assert.Equal("conversion", PropagateSchema.Mode.Default);
        foreach (PropagationMode mode in Enum.GetValues<PropagationMode>())
            Assert.Equal(mode, PropagateSchema.ParseMode(OptionSpec.ChoiceName(mode)));
        Assert.Equal(["auto", "chat", "plain"], EvalSchema.Prompt.Choices);
        Assert.Equal(PromptMode.Plain, EvalSchema.ParsePrompt("plain"));
        Assert.Equal(TokenizerType.SpBpe, TokenizerTrainSchema.ParseType("spbpe"));
    }

    [Fact]
    public void WithDefault_keeps_the_name_help_and_check()
    {
        OptionSpec<int> steps = TrainingSchema.Steps.WithDefault(200);
        Assert.Equal((200, "steps", TrainingSchema.Steps.Description), (steps.Default, steps.Name, steps.Description));
        Assert.Equal("must be ≥ 1, not 0", steps.Problem(0));
    }

    /// <summary>The library throws once; the CLI words it as flags, a pipeline file as its keys — no string rewriting.</summary>
    [Fact]
    public void A_refusal_names_its_options_in_each_callers_words()
    {
        var options = new TrainingOptions { Trainable = TrainableSet.All, TrainRowIds = [] };
        var e = Assert.Throws<OptionException>(options.Validate);
        Assert.Equal([TrainingSchema.NewRowsOnly, TrainingSchema.Trainable], e.Options);
        Assert.Equal("--new-rows-only needs --trainable embeddings (only embedding and head rows can be trained row by row)", e.Format(SchemaOptions.Wording));

        var scope = new PipelineScope("/tmp/p", "/tmp/p/work", new Dictionary<string, int> { ["s"] = 0 }, _ => null, new Dictionary<string, string>(), fileOnDisk: true);
        var stage = new StageOptions(scope, "s", "train", 0, new JsonObject());
        stage.Check(options.Validate);
        Assert.Equal(["option 'new-rows-only': needs \"trainable\": \"embeddings\" (only embedding and head rows can be trained row by row)"], stage.Errors);

        var warmup = Assert.Throws<OptionException>(new TrainingOptions { Steps = 5, WarmupSteps = 10 }.Validate);
        Assert.Equal("--warmup must be ≤ --steps (10 > 5)", warmup.Format(SchemaOptions.Wording));
        Assert.Equal("warmup must be ≤ steps (10 > 5)", warmup.Message);
    }

    [Fact]
    public void A_bad_value_on_the_command_line_is_a_parse_error_naming_the_flag()
    {
        var r = LepCli.Build().Parse(["train", "m", "--corpus", "c", "--out", "o", "--steps", "0", "--lora-alpha", "-1"]);
        Assert.Equal(["--steps must be ≥ 1, not 0", "--lora-alpha must be a finite number > 0, not -1"], r.Errors.Select(e => e.Message));
    }
}
