using System.Security.Cryptography;

namespace Lep.Formats;

internal static class FileHash
{
    /// <summary>Lower-case hex SHA-256 of a file's bytes, streamed.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
