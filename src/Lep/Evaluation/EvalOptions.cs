using System.Text.Json.Nodes;
using Lep.Evaluation.Prompts;
using Lep.Modeling;

namespace Lep.Evaluation;

/// <summary>Settings of one evaluation run (all but <see cref="BatchSize"/> affect results and the cache key).</summary>
public sealed record EvalOptions
{
    public int? Limit { get; init; }
    public int Shots { get; init; }
    public int BatchSize { get; init; } = 8;
    public int MaxNewTokens { get; init; } = 256;
    public PromptMode Prompt { get; init; } = PromptMode.Auto;
    public bool Speed { get; init; } = true;
    public int SpeedPrompts { get; init; } = 4;
    public int SpeedTokens { get; init; } = 64;
    /// <summary>Take the speed prompts from this task first (e.g. a Russian one, to time Russian generation).</summary>
    public string? SpeedTask { get; init; }
    /// <summary>The engine that runs the models (torch, or llama.cpp on a cached GGUF export).</summary>
    public InferenceBackend Backend { get; init; } = InferenceBackend.Torch;

    public void Validate()
    {
        if (Limit is < 1) throw new ArgumentException("--limit must be ≥ 1");
        if (Shots < 0) throw new ArgumentException("--shots must be ≥ 0");
        if (BatchSize < 1) throw new ArgumentException("--batch-size must be ≥ 1");
        if (MaxNewTokens < 1) throw new ArgumentException("--max-new-tokens must be ≥ 1");
        if (SpeedPrompts < 1 || SpeedTokens < 1) throw new ArgumentException("speed prompts and tokens must be ≥ 1");
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
