using System.CommandLine;
using Lep.Cli.Commands;

namespace Lep.Cli;

/// <summary>The `lep` command tree. Each command is a thin shell over the library.</summary>
public static class LepCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("lep — Learned Embedding Propagation: give an open LLM a new language cheaply.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        root.Subcommands.Add(ZooCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(PropagateCommand.Create());
        root.Subcommands.Add(MergeCommand.Create());
        root.Subcommands.Add(DiagnoseCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(PipelineCommand.Create());
        return root;
    }

    /// <summary>Exit codes: 0 success, 1 internal error, 2 bad input (usage errors included).</summary>
    public static int Run(string[] args)
    {
        Provenance.ModelCard.CommandLine = "lep " + string.Join(' ', args.Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=:,@+".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'"));
        ParseResult parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            string command = string.Join(' ', parse.CommandResult.Command.Name == "lep" ? [] : ["", parse.CommandResult.Command.Name]);
            Console.Error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => e.Message))} (see 'lep{command} --help')");
            return ExitCodes.BadInput;
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int InternalError = 1;
    public const int BadInput = 2;
}
