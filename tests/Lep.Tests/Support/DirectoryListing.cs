using System.Security.Cryptography;

namespace Lep.Tests.Support;

/// <summary>Every entry under a root (hidden ones included) with its content hash: what "nothing lost, nothing left"
/// compares before and after a command.</summary>
public static class DirectoryListing
{
    public static Dictionary<string, string> Of(string root)
    {
        var listing = new Dictionary<string, string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(root, entry);
            listing[rel] = new FileInfo(entry).LinkTarget is string target ? "link to " + target
                : File.Exists(entry) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry))) : "dir";
        }
        return listing;
    }
}
