using Lep.Options;
using Lep.Zoo;

namespace Lep.Pipeline.Kinds;

/// <summary>"zoo-instruct-init": the zoo base of "model" with the zoo's chat template, and end-of-turn as its stop
/// token (<see cref="ZooModels.InitializeInstruct"/>): what instruction tuning starts from.</summary>
internal sealed class ZooInstructInitStage : StageKind
{
    public override string Name => "zoo-instruct-init";
    public override string Description => "a zoo base with the chat template and end-of-turn as its stop token (the instruct model's start)";

    public override StageAction Bind(StageOptions o)
    {
        string model = o.Get(ZooInstructInitSchema.Model);
        return ctx =>
        {
            ZooModels.InitializeInstruct(model, ctx.Output);
            return "chat template added, stops at end of turn";
        };
    }
}

/// <summary>The options of the "zoo-instruct-init" stage kind.</summary>
internal static class ZooInstructInitSchema
{
    public static readonly OptionSpec<string> Model = OptionSpec.Path("model", "the trained zoo base (a model dir with the zoo tokenizer)");
}
