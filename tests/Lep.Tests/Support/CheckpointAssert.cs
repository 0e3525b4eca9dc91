using Lep.Formats.Checkpoint;

namespace Lep.Tests.Support;

internal static class CheckpointAssert
{
    /// <summary>The two HF dirs hold the same tensor names with the same dtypes and shapes.</summary>
    public static void SameLayout(CheckpointReader a, CheckpointReader b)
    {
        Assert.Equal(a.Names.Order(), b.Names.Order());
        foreach (string name in a.Names)
        {
            Assert.Equal(a.Info(name).DType, b.Info(name).DType);
            Assert.Equal(a.Info(name).Shape, b.Info(name).Shape);
        }
    }
}
