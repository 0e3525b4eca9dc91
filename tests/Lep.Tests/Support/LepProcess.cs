using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Lep.Tests.Support;

/// <summary>Runs the real `lep` CLI (Lep.Cli.dll beside the tests) in a child process.</summary>
public static class LepProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args) => Start(null, args).Wait(TimeSpan.FromMinutes(3));

    /// <summary>Starts `lep` with extra environment variables (e.g. LEP_FAULT_HOLD) and returns while it runs.</summary>
    public static Running Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "lep.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        // Stderr is the tests' to read: errors and notes, not progress (which a slow machine would add after 2 s).
        psi.Environment["LEP_PROGRESS"] = "none";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        return new Running(Process.Start(psi)!, args);
    }

    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly string[] _args;
        private readonly Task<string> _stdout;
        private readonly StringBuilder _stderr = new();
        private readonly TaskCompletionSource _stderrDone = new();

        internal Running(Process process, string[] args)
        {
            _process = process;
            _args = args;
            _stdout = process.StandardOutput.ReadToEndAsync();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) _stderrDone.TrySetResult();
                else lock (_stderr) _stderr.AppendLine(e.Data);
            };
            process.BeginErrorReadLine();
        }

        public int Id => _process.Id;

        /// <summary>Waits until stderr holds <paramref name="text"/> (e.g. "holding at before-commit").</summary>
        public void WaitForStdErr(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                lock (_stderr) if (_stderr.ToString().Contains(text)) return;
                if (_process.HasExited) break;
                Thread.Sleep(50);
            }
            lock (_stderr) throw new TimeoutException($"'{text}' not seen on stderr of lep {string.Join(' ', _args)}: {_stderr}");
        }

        public void Signal(int signal)
        {
            if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        public Result Wait(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException("lep " + string.Join(' ', _args));
            }
            _process.WaitForExit();
            _stderrDone.Task.Wait(TimeSpan.FromSeconds(10));
            lock (_stderr) return new Result(_process.ExitCode, _stdout.Result, _stderr.ToString());
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    public const int SigInt = 2, SigKill = 9, SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
