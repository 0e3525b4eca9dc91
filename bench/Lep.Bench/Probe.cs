using System.Diagnostics;
using Lep.Modeling;
using static TorchSharp.torch;
namespace Lep.Bench;
public static class Probe
{
    public static void Run()
    {
        if (Environment.GetEnvironmentVariable("T") is string t) set_num_threads(int.Parse(t));
        Console.WriteLine($"threads {get_num_threads()}");
        using var lm = new LlamaForCausalLM(GenerateBench.ZooSized());
        lm.InitializeRandom(1); lm.eval();
        using var _ = no_grad();
        using var cache = lm.NewCache(1, 300);
        lm.Forward(tensor(new long[32], [1, 32]), cache: cache);
        var sw = Stopwatch.StartNew();
        Tensor? last = null;
        for (int i = 0; i < 50; i++) { using var s = NewDisposeScope(); last = lm.Forward(tensor(new long[] { 5 }, [1, 1]), cache: cache, lastOnly: true).MoveToOuterDisposeScope(); }
        Console.WriteLine($"forward {sw.Elapsed.TotalMilliseconds / 50:0.00} ms/step");
        sw.Restart();
        for (int i = 0; i < 50; i++) { var a = last!.reshape(-1).data<float>().ToArray(); }
        Console.WriteLine($"data ToArray {sw.Elapsed.TotalMilliseconds / 50:0.00} ms");
        sw.Restart();
        for (int i = 0; i < 50; i++) { var a = new float[8192]; last!.reshape(-1).bytes.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan())); }
        Console.WriteLine($"bytes copy {sw.Elapsed.TotalMilliseconds / 50:0.00} ms");
        using var cache2 = lm.NewCache(1, 300);
        sw.Restart();
        for (int i = 0; i < 50; i++) { using var s = NewDisposeScope(); lm.Forward(tensor(new long[] { 5 }, [1, 1]), lastOnly: true); }
        Console.WriteLine($"forward no cache, 1 token {sw.Elapsed.TotalMilliseconds / 50:0.00} ms/step");
    }
}
