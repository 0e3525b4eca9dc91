using Lep.Tests.Support;

namespace Lep.Tests.Cli;

/// <summary>
/// The output contract of docs/safety.md, through the real CLI: an existing output is replaced only with --force,
/// never when it is, holds or lies inside an input; an interrupted or killed write leaves nothing behind and never
/// loses the previous output. Each case checks the exit code, the one-line message naming the path and the
/// directory listing before and after.
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly TempDir _root = new();
    /// <summary>A copy of the shipped zoo base: a real model dir with its tokenizer (W/M).</summary>
    private readonly string _work, _model;

    public OutputSafetyTests()
    {
        _work = Path.Combine(_root.Path, "W");
        _model = Path.Combine(_work, "M");
        Directory.CreateDirectory(_model);
        foreach (string f in Directory.GetFiles(Path.Combine(TestZoo.Shipped, "lep-tiny-base")))
            File.Copy(f, Path.Combine(_model, Path.GetFileName(f)));
    }

    public void Dispose() => _root.Dispose();

    private Dictionary<string, string> Listing() => DirectoryListing.Of(_root.Path);

    private static void AssertRefused(LepProcess.Result r, string path, string problem)
    {
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.StdErr.TrimEnd().Split('\n'));
        Assert.StartsWith($"error: {path}: ", line);
        Assert.Contains(problem, line);
    }

    private string Corpus(string dir)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "corpus.txt");
        File.WriteAllText(path, string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"the cat {i} sat on the mat and the dog ran {i % 7} times")));
        return path;
    }

    private string[] Init(string output, params string[] extra) => ["init", "--base", _model, "--tokenizer", _model, "--out", output, .. extra];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TokenizerTrainOntoItsSourceIsRefusedEvenWithForce(bool force)
    {
        string corpus = Corpus(Path.Combine(_root.Path, "text"));
        var before = Listing();
        var r = LepProcess.Run(["tokenizer", "train", "--type", "bpe", "--corpus", corpus, "--vocab-size", "300", "--source", _model, "--out", _model, .. force ? ["--force"] : Array.Empty<string>()]);
        AssertRefused(r, _model, "is an input of this command");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void InitIntoTheBasesParentIsRefusedEvenWithForce()
    {
        var before = Listing();
        AssertRefused(LepProcess.Run(Init(_work, "--force")), _work, $"contains the input {_model}");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void OutputThatIsTheCorpusFolderIsRefused()
    {
        string text = Path.Combine(_root.Path, "text");
        string corpus = Corpus(text);
        var before = Listing();
        AssertRefused(LepProcess.Run("tokenizer", "train", "--type", "bpe", "--corpus", corpus, "--vocab-size", "300", "--out", text, "--force"), text, "contains the input");
        AssertRefused(LepProcess.Run("train", _model, "--corpus", corpus, "--out", text, "--steps", "1", "--force"), text, "contains the input");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void PropagateIntoTheDonorsParentIsRefused()
    {
        string donor = Path.Combine(_work, "D");
        Directory.CreateDirectory(donor);
        var before = Listing();
        AssertRefused(LepProcess.Run("propagate", "--base", _model, "--instruct", _model, "--donor", donor, "--out", _work, "--force"), _work, "contains the input");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void ExistingOutputIsReplacedOnlyWithForce()
    {
        string output = Path.Combine(_root.Path, "D");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "mine.txt"), "keep me");
        var before = Listing();
        AssertRefused(LepProcess.Run(Init(output)), output, "already exists and is not empty (--force replaces it)");
        Assert.Equal(before, Listing());

        var r = LepProcess.Run(Init(output, "--force"));
        Assert.Equal(0, r.ExitCode);
        Assert.False(File.Exists(Path.Combine(output, "mine.txt")));
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path, ".*"));
    }

    [Fact]
    public void AnEmptyExistingOutputDirIsFilled()
    {
        string output = Path.Combine(_root.Path, "D");
        Directory.CreateDirectory(output);
        Assert.Equal(0, LepProcess.Run(Init(output)).ExitCode);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
    }

    [Fact]
    public void GgufOverTheInputWeightsIsRefusedEvenWithForce()
    {
        string weights = Path.Combine(_model, "model.safetensors");
        var before = Listing();
        AssertRefused(LepProcess.Run("export", "gguf", _model, weights, "--force"), weights, $"lies inside the input {_model}");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void GgufOverAnExistingFileNeedsForce()
    {
        string gguf = Path.Combine(_root.Path, "m.gguf");
        File.WriteAllText(gguf, "old");
        var before = Listing();
        AssertRefused(LepProcess.Run("export", "gguf", _model, gguf), gguf, "already exists (--force replaces it)");
        Assert.Equal(before, Listing());
        Assert.Equal(0, LepProcess.Run("export", "gguf", _model, gguf, "--force").ExitCode);
        Assert.NotEqual("old", File.ReadAllText(gguf)[..3]);
    }

    [Fact]
    public void WrongKindsOfOutputPathAreRefusedUpFront()
    {
        string file = Path.Combine(_root.Path, "a-file");
        File.WriteAllText(file, "x");
        string dir = Path.Combine(_root.Path, "a-dir.gguf");
        Directory.CreateDirectory(dir);
        var before = Listing();
        AssertRefused(LepProcess.Run(Init(file, "--force")), file, "exists and is a file, not a directory");
        AssertRefused(LepProcess.Run("export", "gguf", _model, dir, "--force"), dir, "is a directory");
        string under = Path.Combine(file, "out");
        AssertRefused(LepProcess.Run(Init(under)), under, $"{file} is a file, not a directory");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void SymlinksAreSeenThrough()
    {
        string link = Path.Combine(_root.Path, "alias");
        Directory.CreateSymbolicLink(link, _model);
        string loop = Path.Combine(_root.Path, "loop");
        File.CreateSymbolicLink(loop, loop);
        var before = Listing();
        AssertRefused(LepProcess.Run(Init(link, "--force")), link, "is an input of this command");
        string inLoop = Path.Combine(loop, "out");
        AssertRefused(LepProcess.Run(Init(inLoop)), inLoop, "symlink loop");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void EveryCommandWithAnOutputTakesForce()
    {
        var writers = new List<string>();
        void Visit(System.CommandLine.Command c, string path)
        {
            if (c.Options.Any(o => o.Name == "--out") || path == "lep export gguf")
            {
                writers.Add(path);
                Assert.True(c.Options.Any(o => o.Name == "--force"), $"{path} writes an output but has no --force");
            }
            foreach (var sub in c.Subcommands) Visit(sub, $"{path} {sub.Name}");
        }
        Visit(Lep.Cli.LepCli.Build(), "lep");
        Assert.True(writers.Count >= 15, string.Join(", ", writers));
    }

    // --- interruption: the child waits at a named point (LEP_FAULT_HOLD) and is signalled or killed there ---

    private static Dictionary<string, string> HoldAt(string point) => new() { ["LEP_FAULT_HOLD"] = point };

    [Theory]
    [InlineData(LepProcess.SigInt, 130)]
    [InlineData(LepProcess.SigTerm, 143)]
    public void InterruptedInitRemovesItsStagingAndKeepsTheOldOutput(int signal, int exitCode)
    {
        string output = Path.Combine(_root.Path, "D");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "old.txt"), "old output");
        var before = Listing();
        using var child = LepProcess.Start(HoldAt("before-commit"), Init(output, "--force"));
        child.WaitForStdErr("holding at before-commit", TimeSpan.FromMinutes(5));
        Assert.Single(Directory.GetDirectories(_root.Path, ".D.staging-*"));
        child.Signal(signal);
        var r = child.Wait(TimeSpan.FromMinutes(1));
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains("removed the partial output", r.StdErr);
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void InterruptedGgufExportRemovesItsTempFile()
    {
        string gguf = Path.Combine(_root.Path, "m.gguf");
        var before = Listing();
        using var child = LepProcess.Start(HoldAt("temp-file-written"), "export", "gguf", _model, gguf);
        child.WaitForStdErr("holding at temp-file-written", TimeSpan.FromMinutes(5));
        Assert.Single(Directory.GetFiles(_root.Path, ".m.gguf.tmp-*"));
        child.Signal(LepProcess.SigTerm);
        Assert.Equal(143, child.Wait(TimeSpan.FromMinutes(1)).ExitCode);
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void KilledBetweenTheRenamesOfACommitTheNextRunRestoresTheOldOutput()
    {
        string output = Path.Combine(_root.Path, "D");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "old.txt"), "old output");
        var before = Listing();
        using (var child = LepProcess.Start(HoldAt("between-renames"), Init(output, "--force")))
        {
            child.WaitForStdErr("holding at between-renames", TimeSpan.FromMinutes(5));
            child.Signal(LepProcess.SigKill);
            child.Wait(TimeSpan.FromMinutes(1));
        }
        Assert.False(Directory.Exists(output)); // the old output is aside, the new one not yet in place
        Assert.Single(Directory.GetDirectories(_root.Path, ".D.old-*"));

        // The next run (refused: the restored output is not empty) puts the old output back and removes the staging.
        AssertRefused(LepProcess.Run(Init(output)), output, "already exists");
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void StaleStagingOfADeadProcessIsRemovedByTheNextRun()
    {
        string output = Path.Combine(_root.Path, "D");
        string stale = Path.Combine(_root.Path, $".D.staging-{int.MaxValue - 1}");
        Directory.CreateDirectory(stale);
        File.WriteAllBytes(Path.Combine(stale, "model.safetensors"), new byte[1000]);
        File.WriteAllText(Path.Combine(_root.Path, $".D.tmp-{int.MaxValue - 1}"), "partial");
        Assert.Equal(0, LepProcess.Run(Init(output)).ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path, ".*"));
    }

    // --- two writers, and interrupting the commands that write into their output or keep a work dir ---

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASecondWriterOfTheSameOutputIsRefusedWhileTheFirstRuns(bool force)
    {
        string output = Path.Combine(_root.Path, "D");
        string corpus = Corpus(Path.Combine(_root.Path, "text"));
        var before = Listing();
        using var first = LepProcess.Start(HoldAt("before-commit"), Init(output));
        first.WaitForStdErr("holding at before-commit", TimeSpan.FromMinutes(5));
        // Refused up front, before any work, whatever --force says: the first one's output is not replaced or mixed.
        AssertRefused(LepProcess.Run(Init(output, force ? ["--force"] : [])), output, $"is being written by another lep process (PID {first.Id})");
        AssertRefused(LepProcess.Run("tokenizer", "train", "--type", "bpe", "--corpus", corpus, "--vocab-size", "300", "--out", output),
            output, "is being written by another lep process");
        first.Signal(LepProcess.SigTerm);
        Assert.Equal(143, first.Wait(TimeSpan.FromMinutes(1)).ExitCode);
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void TheLockOfAKilledWriterDoesNotBlockTheNextRun()
    {
        string output = Path.Combine(_root.Path, "D");
        using (var child = LepProcess.Start(HoldAt("before-commit"), Init(output)))
        {
            child.WaitForStdErr("holding at before-commit", TimeSpan.FromMinutes(5));
            Assert.Single(Directory.GetFiles(_root.Path, ".D.lock-*"));
            child.Signal(LepProcess.SigKill);
            child.Wait(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(0, LepProcess.Run(Init(output)).ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path, ".*"));
    }

    [Fact]
    public void InterruptedEvalLeavesNoOutput()
    {
        string suite = Path.Combine(_root.Path, "lm.txt");
        File.WriteAllText(suite, "the cat sat on the mat.\n\nthe dog ran to the park.\n\na bird sang in the tree.\n");
        string output = Path.Combine(_root.Path, "eval");
        var before = Listing();
        using var child = LepProcess.Start(HoldAt("eval-task"), "eval", "--model", _model, "--suite", suite, "--out", output, "--no-speed");
        child.WaitForStdErr("holding at eval-task", TimeSpan.FromMinutes(5));
        child.Signal(LepProcess.SigInt);
        Assert.Equal(130, child.Wait(TimeSpan.FromMinutes(1)).ExitCode);
        Assert.Equal(before, Listing());
    }

    [Lep.Tests.Data.Corpus.AptNetworkFact]
    public void InterruptedDataBuildLeavesNoPartialCorpusOrUnpackedPackages()
    {
        string output = Path.Combine(_root.Path, "corpus"), cache = Path.Combine(_root.Path, "cache");
        using var child = LepProcess.Start(HoldAt("before-commit"), "data", "build", "--profile", "test", "--out", output, "--packages-cache", cache);
        child.WaitForStdErr("holding at before-commit", TimeSpan.FromMinutes(8));
        Assert.Single(Directory.GetDirectories(cache, "unpacked-*"));
        child.Signal(LepProcess.SigInt);
        var r = child.Wait(TimeSpan.FromMinutes(1));
        Assert.Equal(130, r.ExitCode);
        Assert.Contains("removed the partial output", r.StdErr);
        Assert.False(Path.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path, ".*"));
        // The downloaded packages stay (they are the reusable cache); the scratch unpacking does not.
        Assert.Empty(Directory.GetDirectories(cache, "unpacked-*"));
        Assert.Empty(Directory.GetDirectories(cache, "print-uris-*"));
        Assert.NotEmpty(Directory.GetFiles(cache, "*.deb", SearchOption.AllDirectories));
    }
}
