using System.CommandLine;

namespace Lep.Cli;

/// <summary>Runs a command body, turning <see cref="LepInputException"/> into the one-line error + exit code 2.</summary>
public static class CommandAction
{
    public static void Set(Command command, Func<ParseResult, int> body) => command.SetAction(parse => Guard(() => body(parse)));

    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (LepInputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Options.OptionException e)
        {
            Console.Error.WriteLine($"error: {e.Format(SchemaOptions.Wording)}");
            return ExitCodes.BadInput;
        }
        catch (ArgumentException e) when (e.GetType() == typeof(ArgumentException))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("LEP_DEBUG") is null)
        {
            Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message} (set LEP_DEBUG=1 for the stack trace)");
            return ExitCodes.InternalError;
        }
    }
}
