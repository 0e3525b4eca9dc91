namespace Lep.Formats;

/// <summary>
/// Named points in the write path where a test can make the process wait (environment variable
/// <c>LEP_FAULT_HOLD=POINT</c>): the interruption tests signal or kill a child `lep` exactly there instead of racing it.
/// Without the variable this does nothing.
/// </summary>
internal static class FaultPoint
{
    public const string BeforeCommit = "before-commit";
    public const string BetweenRenames = "between-renames";
    public const string TempFileWritten = "temp-file-written";
    /// <summary>`lep eval`: a model is loaded and a task is about to be scored.</summary>
    public const string EvalTask = "eval-task";

    public static void Hold(string point)
    {
        if (Environment.GetEnvironmentVariable("LEP_FAULT_HOLD") != point) return;
        Console.Error.WriteLine($"holding at {point}");
        Console.Error.Flush();
        Thread.Sleep(TimeSpan.FromSeconds(60));
    }
}
