namespace Lep.Data;

/// <summary>
/// The documents of a corpus file: plain text with documents separated by an empty line (.txt, the layout
/// `lep data build` writes), or JSON lines with a "text" field (.jsonl). Streams; invalid UTF-8 bytes are skipped
/// (use <see cref="CorpusReader"/> directly to count them).
/// </summary>
internal static class DocumentReader
{
    public static IEnumerable<string> Read(string path) => new CorpusReader(path).Read();
}
