using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lep.Formats;
using Lep.Formats.Checkpoint;

namespace Lep.Training.Torchrun;

/// <summary>A rank of the torch engine failed inside the engine (a Python exception): a bug or an environment
/// problem, not bad input. The message names the rank's log.</summary>
internal sealed class TorchEngineException(string message) : Exception(message);

/// <summary>
/// `lep train --engine torchrun`: lep does everything but the arithmetic — the rows are packed here (the local
/// trainer's rule), written with the data order and every option to the run dir, and engines/torch/train.py runs
/// under torchrun. Progress is read from the engine's metrics.jsonl; its HF dir (RUN/output) is moved to the output
/// dir with loss.png, committed like the local trainer's. Running the same command again resumes from the engine's
/// checkpoint, or only collects the output of a run that finished (e.g. launched by a cluster scheduler).
/// </summary>
internal static partial class TorchrunEngine
{
    public const string EngineScript = "train.py";

    /// <summary>engines/torch/ beside the lep binary (copied at build), or in the checkout it was built from.</summary>
    public static string EngineDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "engines", "torch");
            if (File.Exists(Path.Combine(candidate, EngineScript))) return candidate;
        }
        throw new FileNotFoundException("engines/torch/train.py is missing beside the lep binary (a broken build?)");
    }

    public static TrainingResult Train(TrainingJobSpec spec, TorchrunLaunch launch, IReadOnlyList<PackedRow> train, IReadOnlyList<PackedRow> validation,
        Action<string>? note, IProgress<TrainingProgress>? steps, CancellationToken cancellation)
    {
        launch.Validate(spec.Options);
        // Decided before this run creates its run state: a re-run of the same job rewrites its own output.
        bool replace = spec.ReplaceOutput || TrainingJob.IsRerun(spec.OutputDirectory);
        string runDir = Path.GetFullPath(TrainingJob.RunDirectoryFor(spec.OutputDirectory));
        string engineOutput = Path.Combine(runDir, "output");
        string fingerprint = Trainer.FingerprintOf(spec.Options, train);
        ModelConfig config = ModelConfig.Load(Path.Combine(spec.ModelDirectory, "config.json"));
        note?.Invoke(MemoryPlan.For(config, spec.Options, launch, gpu: spec.Device != "cpu").Render());

        int? checkpointStep = CheckpointStep(runDir, fingerprint);
        bool finished = checkpointStep == spec.Options.Steps && Directory.Exists(engineOutput);
        var clock = Stopwatch.StartNew();
        if (!finished)
        {
            string torchrun = launch.PrintOnly ? launch.Executable : Locate(launch.Executable);
            Directory.CreateDirectory(runDir);
            File.Delete(Path.Combine(runDir, "error.txt"));
            if (Directory.Exists(engineOutput)) Directory.Delete(engineOutput, recursive: true);
            string job = EngineJob.Write(runDir, spec, train, validation, launch, fingerprint);
            var arguments = launch.Arguments(Path.Combine(EngineDirectory(), EngineScript), job, Path.Combine(runDir, "logs", "torchrun"),
                launch.PrintOnly ? TorchrunLaunch.DefaultMasterPort : FreeLoopbackPort());
            if (launch.PrintOnly)
                return new TrainingResult(0, 0, double.NaN, null, 0, false,
                    Note: CommandLine(torchrun, arguments) + (launch.Nnodes > 1 ? $"\n# on every node, with --node_rank 0..{launch.Nnodes - 1}" : "") +
                          $"\n# then run this `lep train` again without --print-launch to collect {spec.OutputDirectory}");
            Launch(torchrun, arguments, runDir, launch, spec.Options.Steps, steps, cancellation);
            if (launch.NodeRank != 0)
                return new TrainingResult(spec.Options.Steps, 0, double.NaN, null, clock.Elapsed.TotalSeconds, checkpointStep is not null,
                    Note: $"node {launch.NodeRank} finished its ranks; node 0 writes {spec.OutputDirectory}");
            if (!Directory.Exists(engineOutput)) throw new TorchEngineException($"{runDir}: the engine exited cleanly but wrote no output dir");
        }
        Collect(engineOutput, runDir, spec.OutputDirectory, replace);
        return Summary(runDir, spec.OutputDirectory, checkpointStep is not null);
    }

    /// <summary>The step of the checkpoint in the run dir, when it was written by this job (same options and data).</summary>
    private static int? CheckpointStep(string runDir, string fingerprint)
    {
        string path = Path.Combine(runDir, TrainingCheckpoint.DirectoryName, "state.json");
        if (!File.Exists(path)) return null;
        var state = JsonSerializer.Deserialize<TrainingCheckpoint.State>(File.ReadAllText(path));
        return state?.OptionsFingerprint == fingerprint ? state.Step : null;
    }

    /// <summary>The torchrun executable on PATH (or at the given path).</summary>
    public static string Locate(string executable)
    {
        if (executable.Contains('/')) return File.Exists(executable) ? executable : throw NoTorchrun(executable);
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate)) return candidate;
        }
        throw NoTorchrun(executable);
    }

    private static LepInputException NoTorchrun(string executable) => new(executable,
        "not found on PATH: the torchrun engine needs PyTorch (Debian/Ubuntu: apt-get install python3-torch; elsewhere: pip install torch)");

    /// <summary>A port nobody listens on now (another launch on this host may still take it first: then torchrun fails
    /// with "address already in use", never hangs).</summary>
    private static int FreeLoopbackPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string CommandLine(string executable, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { executable }.Concat(arguments).Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./:=,@%+".Contains(c)) ? a
            : "'" + a.Replace("'", "'\\''") + "'"));

    private static void Launch(string torchrun, IReadOnlyList<string> arguments, string runDir, TorchrunLaunch launch, int totalSteps,
        IProgress<TrainingProgress>? steps, CancellationToken cancellation)
    {
        string logs = Path.Combine(runDir, "logs");
        Directory.CreateDirectory(logs);
        string launcherLog = Path.Combine(logs, "torchrun.log");
        var psi = new ProcessStartInfo(torchrun) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        DateTime started = DateTime.UtcNow;
        using var log = new StreamWriter(launcherLog, append: false) { AutoFlush = true };
        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        void Capture(string? line)
        {
            if (line is null) return;
            lock (output)
            {
                output.AppendLine(line);
                log.WriteLine(line);
            }
        }
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var metrics = new MetricsTail(Path.Combine(runDir, "metrics.jsonl"), totalSteps);
        try
        {
            bool ranksStarted = false;
            while (!process.WaitForExit(250))
            {
                cancellation.ThrowIfCancellationRequested();
                metrics.Report(steps);
                ranksStarted = ranksStarted || Directory.EnumerateFiles(logs, "rank*.log").Any(f => File.GetLastWriteTimeUtc(f) >= started);
                if (!ranksStarted && DateTime.UtcNow - started > TimeSpan.FromSeconds(launch.RendezvousTimeoutSeconds))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                    throw new LepInputException(launch.RendezvousEndpoint ?? "torchrun",
                        $"no rank started within {launch.RendezvousTimeoutSeconds} s: the rendezvous of {launch.Nnodes} node(s) never formed (launcher log: {launcherLog})");
                }
            }
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        metrics.Report(steps);
        if (process.ExitCode != 0) throw Failure(runDir, output.ToString(), process.ExitCode, launcherLog);
    }

    /// <summary>Why torchrun failed: bad input the engine reported (error.txt), a rank killed from outside, or a crash.</summary>
    private static Exception Failure(string runDir, string launcherOutput, int exitCode, string launcherLog)
    {
        string errorFile = Path.Combine(runDir, "error.txt");
        if (File.Exists(errorFile))
        {
            string[] lines = File.ReadAllLines(errorFile);
            return new LepInputException(lines.ElementAtOrDefault(0) ?? errorFile, lines.ElementAtOrDefault(1) ?? "the engine rejected its input");
        }
        var failures = FailedRank().Matches(launcherOutput).Select(m => (Rank: int.Parse(m.Groups[1].Value), Code: int.Parse(m.Groups[2].Value))).ToList();
        if (failures.Count == 0)
            return new TorchEngineException($"torchrun exited with code {exitCode} before any rank reported (see {launcherLog})");
        // A rank killed by a signal is the cause; the others then fail on the lost connection. Otherwise torchrun's
        // root cause, listed last.
        var (rank, code) = failures.Any(f => f.Code < 0) ? failures.First(f => f.Code < 0) : failures[^1];
        string rankLog = Path.Combine(runDir, "logs", $"rank{rank}.log");
        int? resumeAt = CheckpointStepAnyJob(runDir);
        string resume = resumeAt is int s ? $"; the same command resumes from the checkpoint at step {s}" : "; the same command starts it again";
        if (code < 0)
            return new LepInputException(rankLog, $"rank {rank} died (signal {-code}), torchrun stopped the other ranks{resume}");
        string last = File.Exists(rankLog) ? File.ReadLines(rankLog).LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "" : "";
        return new TorchEngineException($"rank {rank} crashed in the engine (exit {code}): {last} — see {rankLog}");
    }

    private static int? CheckpointStepAnyJob(string runDir)
    {
        string path = Path.Combine(runDir, TrainingCheckpoint.DirectoryName, "state.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<TrainingCheckpoint.State>(File.ReadAllText(path))?.Step : null;
    }

    /// <summary>torchrun's failure summary: "rank : R (local_rank: L)" then "exitcode : C".</summary>
    [GeneratedRegex(@"rank\s*:\s*(\d+)[^\n]*\n\s*exitcode\s*:\s*(-?\d+)")]
    private static partial Regex FailedRank();

    /// <summary>Moves the engine's HF dir into a staged output dir, adds loss.png, commits.</summary>
    private static void Collect(string engineOutput, string runDir, string outputDirectory, bool replace)
    {
        using (var staging = new StagingDirectory(outputDirectory, replace))
        {
            foreach (string file in Directory.EnumerateFiles(engineOutput))
                File.Move(file, staging.File(Path.GetFileName(file)));
            LossCurve.Render(Path.Combine(runDir, "metrics.jsonl"), staging.File("loss.png"), $"Training loss — {Path.GetFileName(outputDirectory.TrimEnd('/'))}");
            staging.Commit();
        }
        Directory.Delete(engineOutput, recursive: true);
    }

    private static TrainingResult Summary(string runDir, string outputDirectory, bool resumed)
    {
        int step = 0;
        long tokens = 0;
        double loss = double.NaN;
        double? validation = null;
        foreach (string line in File.ReadLines(Path.Combine(outputDirectory, "metrics.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            JsonElement r = doc.RootElement;
            step = r.GetProperty("step").GetInt32();
            tokens = r.GetProperty("tokens").GetInt64();
            loss = r.GetProperty("loss").GetDouble();
            if (r.TryGetProperty("val_loss", out JsonElement v)) validation = v.GetDouble();
        }
        string statePath = Path.Combine(runDir, TrainingCheckpoint.DirectoryName, "state.json");
        double seconds = JsonSerializer.Deserialize<TrainingCheckpoint.State>(File.ReadAllText(statePath))?.ElapsedSeconds ?? 0;
        return new TrainingResult(step, tokens, loss, validation, seconds, resumed);
    }

    /// <summary>Follows metrics.jsonl while the engine writes it, reporting each new step once.</summary>
    private sealed class MetricsTail(string path, int totalSteps)
    {
        private int _reported;

        public void Report(IProgress<TrainingProgress>? progress)
        {
            if (progress is null || !File.Exists(path)) return;
            string[] lines;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                lines = new StreamReader(stream).ReadToEnd().Split('\n');
            }
            catch (IOException)
            {
                return;
            }
            foreach (string line in lines)
            {
                if (!line.EndsWith('}')) continue; // a line still being written
                using var doc = JsonDocument.Parse(line);
                JsonElement r = doc.RootElement;
                int step = r.GetProperty("step").GetInt32();
                if (step <= _reported) continue;
                _reported = step;
                double? val = r.TryGetProperty("val_loss", out JsonElement v) ? v.GetDouble() : null;
                progress.Report(new TrainingProgress(step, totalSteps, r.GetProperty("loss").GetDouble(), r.GetProperty("lr").GetDouble(),
                    r.GetProperty("tokens_per_s").GetDouble(), val));
            }
        }
    }
}
