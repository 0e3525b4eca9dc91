using System.Text;

namespace Lep.Data;

/// <summary>Writes documents in the layout <see cref="DocumentReader"/> reads: separated by an empty line, UTF-8.</summary>
internal static class DocumentWriter
{
    /// <returns>the number of documents written</returns>
    public static int Write(string path, IEnumerable<string> documents)
    {
        int count = 0;
        string temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
        {
            foreach (string document in documents)
            {
                if (count++ > 0) writer.Write("\n\n");
                writer.Write(document);
            }
            writer.Write('\n');
        }
        File.Move(temp, path, overwrite: true);
        return count;
    }
}
