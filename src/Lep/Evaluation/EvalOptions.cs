using System.Text.Json.Nodes;
using Lep.Evaluation.Prompts;
using Lep.Modeling;

namespace Lep.Evaluation;

/// <summary>Settings of one evaluation run (all but <see cref="BatchSize"/> affect results and the cache key).</summary>
public sealed record EvalOptions
{
    /// <summary>Score at most this many items (documents) per task; null = all.</summary>
    public int? Limit { get; init; } = EvalSchema.Limit.Default;
    /// <summary>Few-shot demonstrations taken from the start of each task file.</summary>
    public int Shots { get; init; } = EvalSchema.Shots.Default;
    /// <summary>Sequences per forward pass when scoring log-likelihoods (speed only, never the scores).</summary>
    public int BatchSize { get; init; } = EvalSchema.BatchSize.Default;
    /// <summary>Cap on generated tokens per reply.</summary>
    public int MaxNewTokens { get; init; } = EvalSchema.MaxNewTokens.Default;
    /// <summary>How prompts are rendered: the model's chat template, plain text, or chosen per model.</summary>
    public PromptMode Prompt { get; init; } = EvalSchema.ParsePrompt(EvalSchema.Prompt.Default);
    /// <summary>Run the generation speed benchmark after scoring.</summary>
    public bool Speed { get; init; } = !EvalSchema.NoSpeed.Default;
    /// <summary>Prompts in the speed benchmark.</summary>
    public int SpeedPrompts { get; init; } = EvalSchema.SpeedPrompts.Default;
    /// <summary>New tokens generated per speed prompt.</summary>
    public int SpeedTokens { get; init; } = EvalSchema.SpeedTokens.Default;
    /// <summary>Take the speed prompts from this task first (e.g. a Russian one, to time Russian generation).</summary>
    public string? SpeedTask { get; init; }
    /// <summary>The engine that runs the models (torch, or llama.cpp on a cached GGUF export).</summary>
    public InferenceBackend Backend { get; init; } = InferenceBackend.Torch;

    /// <summary>Throws <see cref="Options.OptionException"/> naming the <see cref="EvalSchema"/> option at fault.</summary>
    public void Validate()
    {
        EvalSchema.Limit.Require(Limit);
        EvalSchema.Shots.Require(Shots);
        EvalSchema.BatchSize.Require(BatchSize);
        EvalSchema.MaxNewTokens.Require(MaxNewTokens);
        EvalSchema.SpeedPrompts.Require(SpeedPrompts);
        EvalSchema.SpeedTokens.Require(SpeedTokens);
    }

    /// <summary>The settings as results.json records them.</summary>
    public JsonObject ToJson()
    {
        JsonObject o = Settings();
        if (Speed && SpeedTask is not null) o["speed_task"] = SpeedTask;
        return o;
    }

    private JsonObject Settings() => new()
    {
        ["limit"] = Limit,
        ["shots"] = Shots,
        ["max_new_tokens"] = MaxNewTokens,
        ["prompt"] = Prompt.ToString().ToLowerInvariant(),
        ["decoding"] = "greedy",
        ["backend"] = Backend.Name,
        ["speed_prompts"] = Speed ? SpeedPrompts : null,
        ["speed_tokens"] = Speed ? SpeedTokens : null,
    };
}
