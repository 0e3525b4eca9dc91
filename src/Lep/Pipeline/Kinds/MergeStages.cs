using Lep.Adaptation.Merging;

namespace Lep.Pipeline.Kinds;

/// <summary>"chat-vector": D + (θ_I − θ_B) (`lep merge chat-vector`).</summary>
internal sealed class ChatVectorStage : StageKind
{
    public override string Name => "chat-vector";
    public override string Description => "Chat Vector: the donor plus the instruct model's difference from the base (lep merge chat-vector)";

    public override StageAction Bind(StageOptions o)
    {
        string baseDir = o.Get(ChatVectorSchema.Base);
        string instruct = o.Get(ChatVectorSchema.Instruct);
        string donor = o.Get(ChatVectorSchema.Donor);
        bool skip = o.Get(ChatVectorSchema.SkipEmbed);
        return ctx =>
        {
            var options = new ChatVectorOptions { Base = baseDir, Instruct = instruct, Donor = donor, Output = ctx.Output, SkipEmbed = skip };
            ChatVectorResult r = ctx.Step("merging", p => ChatVector.Run(options, p));
            foreach (string w in r.Warnings) ctx.Ui.Note($"warning: {ctx.Name}: {w}");
            return $"{r.MergedTensors} tensors D + (I − B), {r.Rows:N0} rows ({r.SharedRows:N0} with the chat vector{(skip ? ", skip-embed" : "")}, " +
                $"{r.SpecialRows + r.AppendedRows} special rows from the instruct model)";
        };
    }
}

/// <summary>"merge": linear or slerp interpolation of two models (`lep merge linear|slerp`).</summary>
internal sealed class MergeStage : StageKind
{
    public override string Name => "merge";
    public override string Description => "linear or slerp merge of two models of one architecture, A's vocabulary kept (lep merge linear|slerp)";

    public override StageAction Bind(StageOptions o)
    {
        string method = o.Get(MergeSchema.Method);
        var options = new MergeOptions
        {
            A = o.Get(MergeSchema.A), B = o.Get(MergeSchema.B), Weight = o.Get(MergeSchema.Weight), Output = "", Method = MergeSchema.ParseMethod(method),
            CopySpecialRows = !o.Get(MergeSchema.MergeSpecialRows),
        };
        return ctx =>
        {
            MergeResult r = ctx.Step("merging", p => ModelMerge.Run(options with { Output = ctx.Output }, p));
            foreach (string w in r.Warnings) ctx.Ui.Note($"warning: {ctx.Name}: {w}");
            return $"{method} merge at w = {r.Weight}, {r.Tensors.Count} tensors, {r.Rows:N0} rows ({r.RowsOnlyInA:N0} only in A, {r.SpecialRowsFromB} special rows from B)";
        };
    }
}
