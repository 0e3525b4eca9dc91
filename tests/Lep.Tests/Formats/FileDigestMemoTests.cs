using Lep.Formats;
using Lep.Tests.Support;

namespace Lep.Tests.Formats;

public sealed class FileDigestMemoTests
{
    [Fact]
    public void A_remembered_digest_is_used_until_the_file_changes()
    {
        using var dir = new TempDir();
        string file = dir.File("w.safetensors"), memoFile = dir.File("memo/sha256.json");
        File.WriteAllText(file, "weights");
        string real = FileHash.Sha256(file);
        Assert.Equal(real, new FileDigestMemo(memoFile).Sha256(file));

        // The memo, not the bytes, answers for an unchanged file: plant a different digest and a new memo reads it.
        string planted = new('a', 64);
        File.WriteAllText(memoFile, File.ReadAllText(memoFile).Replace(real, planted));
        Assert.Equal(planted, new FileDigestMemo(memoFile).Sha256(file));

        File.WriteAllText(file, "changed");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(FileHash.Sha256(file), new FileDigestMemo(memoFile).Sha256(file));

        File.WriteAllText(memoFile, "{ not json");
        Assert.Equal(FileHash.Sha256(file), new FileDigestMemo(memoFile).Sha256(file));
    }
}
