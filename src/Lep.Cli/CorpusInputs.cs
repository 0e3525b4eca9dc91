using Lep.Data;

namespace Lep.Cli;

/// <summary>The corpora a command reads, checked before any work by the one corpus rule (<see cref="CorpusReader"/>):
/// too much invalid UTF-8 or no text at all is refused (exit 2); skipped bytes get one `warning:` line per file.</summary>
public static class CorpusInputs
{
    public static void Check(params IEnumerable<string?> corpora)
    {
        foreach (string corpus in corpora.OfType<string>())
            if (CorpusReader.Check(corpus) is string warning) Console.Error.WriteLine($"warning: {warning}");
    }
}
