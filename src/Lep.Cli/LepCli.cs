using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
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
        RequireFiniteNumbers(root);
        return root;
    }

    /// <summary>Every floating-point option refuses NaN and ±∞ when parsed, whatever range its command checks later
    /// (those of a schema check it with their range: <see cref="SchemaOptions"/>).</summary>
    private static void RequireFiniteNumbers(Command command)
    {
        foreach (Option option in command.Options)
        {
            if (SchemaOptions.SpecOf(option) is not null) continue;
            if (option is Option<double> d) d.Validators.Add(r => RequireFinite(r, r.GetValueOrDefault<double>()));
            else if (option is Option<double?> n) n.Validators.Add(r => RequireFinite(r, r.GetValueOrDefault<double?>()));
        }
        foreach (Command sub in command.Subcommands) RequireFiniteNumbers(sub);
    }

    private static void RequireFinite(OptionResult result, double? value)
    {
        if (value is double v && !double.IsFinite(v))
            result.AddError($"{result.Option.Name} must be a finite number, not {v.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>A parse error on one line; a value outside an option's choices names the option and the choices.</summary>
    private static string Describe(ParseError error)
    {
        string message = Regex.Replace(error.Message, @"\s*\r?\n\s*", " ").Trim();
        string? option = error.SymbolResult switch
        {
            OptionResult o => o.Option.Name,
            ArgumentResult { Parent: OptionResult o } => o.Option.Name,
            _ => null,
        };
        Match choice = Regex.Match(message, @"^Argument '(.*)' not recognized\. Must be one of:\s*(.*)$");
        if (option is null || !choice.Success) return message;
        var allowed = Regex.Matches(choice.Groups[2].Value, "'([^']*)'").Select(m => m.Groups[1].Value);
        return $"{option} must be one of {string.Join(", ", allowed)}, not '{choice.Groups[1].Value}'";
    }

    /// <summary>Exit codes: 0 success, 1 internal error, 2 bad input (usage errors included).</summary>
    public static int Run(string[] args)
    {
        Provenance.ModelCard.CommandLine = "lep " + string.Join(' ',
            args.Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=:,@+".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'"));
        ParseResult parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            var path = new List<string>();
            for (SymbolResult? r = parse.CommandResult; r is CommandResult c; r = c.Parent) path.Insert(0, c.Command.Name);
            path[0] = "lep";
            string messages = string.Join("; ", parse.Errors.Select(Describe).Distinct());
            Console.Error.WriteLine($"error: {messages} (see '{string.Join(' ', path)} --help')");
            return ExitCodes.BadInput;
        }
        Interruption.Install();
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        finally
        {
            Formats.OutputLock.ReleaseAll();
        }
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int InternalError = 1;
    public const int BadInput = 2;
}
