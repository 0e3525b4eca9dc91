using System.CommandLine;
using Lep.Options;

namespace Lep.Cli;

/// <summary>Runs a command body, turning <see cref="LepInputException"/> and refused options (<see cref="OptionException"/>,
/// worded as flags) into the one-line error + exit code 2.</summary>
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
        catch (OptionException e)
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
