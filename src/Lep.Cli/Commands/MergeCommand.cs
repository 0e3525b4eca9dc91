using System.CommandLine;
using Lep.Adaptation.Merging;
using Lep.Formats;

namespace Lep.Cli.Commands;

/// <summary>`lep merge chat-vector|linear|slerp`: the rivals' merges (Chat Vector, ElChat's final merge).</summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var command = new Command("merge", "Merge models: Chat Vector (donor + instruct − base) or a linear/slerp interpolation of two models (ElChat's last step).");
        command.Subcommands.Add(ChatVectorCommand());
        command.Subcommands.Add(InterpolationCommand(MergeMethod.Linear, "(1 − w)·A + w·B per tensor"));
        command.Subcommands.Add(InterpolationCommand(MergeMethod.Slerp, "spherical interpolation from A (w = 0) to B (w = 1) per tensor, linear for nearly parallel tensors"));
        return command;
    }

    private static Command ChatVectorCommand()
    {
        var baseDir = SchemaOptions.Create(ChatVectorSchema.Base);
        var instruct = SchemaOptions.Create(ChatVectorSchema.Instruct);
        var donor = SchemaOptions.Create(ChatVectorSchema.Donor);
        var output = new Option<string>("--out", "-o") { Description = "the dir of the merged chat model (D + (I − B))", Required = true };
        var force = ForceOption.Create();
        var skip = SchemaOptions.Create(ChatVectorSchema.SkipEmbed);
        var command = new Command("chat-vector", "Chat Vector: add the instruct model's difference from the base (θ_I − θ_B) to the donor, on every tensor they share; embedding " +
            "rows of tokens shared by D and B get it too.")
            { baseDir, instruct, donor, output, skip, force };
        CommandAction.Set(command, parse =>
        {
            bool replace = parse.CheckOutput(force, parse.GetValue(output)!, OutputKind.Directory, parse.GetValue(baseDir), parse.GetValue(instruct), parse.GetValue(donor));
            var options = new ChatVectorOptions
            {
                Base = parse.GetValue(baseDir)!, Instruct = parse.GetValue(instruct)!, Donor = parse.GetValue(donor)!,
                Output = parse.GetValue(output)!, SkipEmbed = parse.GetValue(skip), ReplaceOutput = replace,
            };
            ChatVectorResult r = ConsoleUi.WithProgress("merging", p => ChatVector.Run(options, SyncProgress.Fractions(p)));
            foreach (string w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
            Console.WriteLine($"wrote {r.Output}: {r.MergedTensors} tensors D + (I − B), {r.Rows} rows ({r.SharedRows} shared with the base get the chat vector, "
                + $"{r.SpecialRows + r.AppendedRows} special rows from the instruct model), {r.Seconds:0.0} s; details in chat-vector.json");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command InterpolationCommand(MergeMethod method, string what)
    {
        var a = SchemaOptions.Create(MergeSchema.A);
        var b = SchemaOptions.Create(MergeSchema.B);
        var weight = SchemaOptions.Create(MergeSchema.Weight, "-w");
        var output = new Option<string>("--out", "-o") { Description = "the dir of the merged model", Required = true };
        var force = ForceOption.Create();
        var mergeSpecial = SchemaOptions.Create(MergeSchema.MergeSpecialRows);
        string name = method.ToString().ToLowerInvariant();
        var command = new Command(name, $"Merge two models of one architecture: {what}. Rows past B's vocabulary stay A's; B's special-token rows are B's.")
            { a, b, weight, output, mergeSpecial, force };
        CommandAction.Set(command, parse =>
        {
            bool replace = parse.CheckOutput(force, parse.GetValue(output)!, OutputKind.Directory, parse.GetValue(a), parse.GetValue(b));
            var options = new MergeOptions
            {
                A = parse.GetValue(a)!, B = parse.GetValue(b)!, Weight = parse.GetValue(weight), Output = parse.GetValue(output)!, Method = method, ReplaceOutput = replace,
                CopySpecialRows = !parse.GetValue(mergeSpecial)
            };
            MergeResult r = ConsoleUi.WithProgress("merging", p => ModelMerge.Run(options, SyncProgress.Fractions(p)));
            foreach (string w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
            int linear = r.Tensors.Count(t => t.LinearFallback);
            Console.WriteLine($"wrote {r.Output}: {name} merge at w = {r.Weight}, {r.Tensors.Count} tensors"
                + (method == MergeMethod.Slerp ? $" ({linear} nearly parallel, merged linearly)" : "")
                + $", {r.Rows} rows ({r.RowsOnlyInA} only in A, {r.SpecialRowsFromB} special rows from B), {r.Seconds:0.0} s; details in merge.json");
            return ExitCodes.Ok;
        });
        return command;
    }
}
