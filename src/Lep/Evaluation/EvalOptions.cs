using System.Text.Json.Nodes;
using Lep.Evaluation.Prompts;
using Lep.Modeling;

namespace Lep.Evaluation;

/// <summary>Settings of one evaluation run (all but <see cref="BatchSize"/> affect results and the cache key).</summary>
public sealed record EvalOptions
{
    public int? Limit { get; init; } = EvalSchema.Limit.Default;
    public int Shots { get; init; } = EvalSchema.Shots.Default;
    public int BatchSize { get; init; } = EvalSchema.BatchSize.Default;
    public int MaxNewTokens { get; init; } = EvalSchema.MaxNewTokens.Default;
    public PromptMode Prompt { get; init; } = EvalSchema.ParsePrompt(EvalSchema.Prompt.Default);
    public bool Speed { get; init; } = !EvalSchema.NoSpeed.Default;
    public int SpeedPrompts { get; init; } = EvalSchema.SpeedPrompts.Default;
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
