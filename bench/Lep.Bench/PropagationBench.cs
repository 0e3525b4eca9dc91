using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lep.Adaptation;
using Lep.Adaptation.Propagation;
using Lep.Formats;
using Lep.Formats.Checkpoint;
using Lep.Formats.Safetensors;
using Lep.Tokenization;
using static TorchSharp.torch;

namespace Lep.Bench;

/// <summary>
/// `propagation`: LEP at Llama-3-8B scale on synthetic weights. Generates once (into DIR, default /tmp/lep-prop-bench):
/// B and I with 128,256 × 4096 bf16 embeddings and heads (the Llama-3 tokenizer), I with two transformer layers of
/// real 8B shapes, D with ≥ 150,000 rows and a Llama-3 tokenizer extended by BPE merges learned on Russian text —
/// all sharded safetensors. Then measures this machine's fp64/fp32 GEMM rates and runs every mode in a child process
/// under /usr/bin/time -v: wall time against the arithmetic floor (4·rows·d² per fitted matrix / GEMM rate) and peak RSS.
/// Usage: propagation [DIR] [modes, comma-separated] [--mixed-check] [--data DIR]
/// </summary>
public static class PropagationBench
{
    private const int D = 4096, Ffn = 14336, OldVocab = 128256, NewTokens = 22_000;
    private static string _data = "";
    private static string Llama3 => Path.Combine(_data, "tokenizers", "llama3.tokenizer.json");
    private static string RuText => Path.Combine(_data, "corpus", "ru_train.txt");

    public static void Run(string[] args)
    {
        string[] positional = args.Where((a, i) => !a.StartsWith("--") && (i == 0 || args[i - 1] != "--data")).ToArray();
        string dir = positional.FirstOrDefault(a => a.Contains('/')) ?? "/tmp/lep-prop-bench";
        string[] modes = (positional.FirstOrDefault(a => !a.Contains('/')) ?? "swap,overlap,conversion,sum,cooccurrence").Split(',');
        bool mixedCheck = args.Contains("--mixed-check");
        _data = BenchData.Root(args);
        Generate(dir);
        Lep.Runtime.ComputeDevice.UseAllCores();
        var (rate64, rate32, cpu64, cpu32) = GemmRates();
        Console.WriteLine($"GEMM rates on this machine ({Environment.ProcessorCount} cores, measured now): fp64 {rate64 / 1e9:0.0} GFLOP/s ({cpu64 / 1e9:0.0} per CPU-second), fp32 {rate32 / 1e9:0.0} GFLOP/s ({cpu32 / 1e9:0.0} per CPU-second)");
        Console.WriteLine($"{"mode",-13} {"precision",-9} {"fit rows",18} {"GFLOP",7} {"wall s",8} {"fp64 floor s",12} {"ratio",6} {"fp32 floor s",12} {"peak RSS",9}  residual (embed / head)");
        foreach (string mode in modes) RunChild(dir, mode, "fp64", rate64, rate32, cpu64);
        if (mixedCheck)
        {
            RunChild(dir, "overlap", "mixed", rate64, rate32, cpu64);
        }
    }

    /// <summary>The child: one propagation, printing a JSON line with its own numbers.</summary>
    public static void RunOne(string[] args)
    {
        string dir = args[0], mode = args[1], precision = args[2];
        Lep.Runtime.ComputeDevice.UseAllCores();
        var sw = Stopwatch.StartNew();
        PropagationResult r = Propagator.Run(new PropagationOptions
        {
            Base = Path.Combine(dir, "base"), Instruct = Path.Combine(dir, "instruct"), Donor = Path.Combine(dir, "donor"),
            Output = Path.Combine(dir, $"out-{mode}-{precision}"), Mode = Enum.Parse<PropagationMode>(mode, true),
            Corpus = Path.Combine(dir, "corpus.txt"), Precision = precision == "mixed" ? FitPrecision.Mixed : FitPrecision.Float64,
            SaveProjections = mode == "overlap",
        });
        string hwm = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmHWM")).Split(':')[1].Trim();
        Console.WriteLine("RESULT " + new JsonObject
        {
            ["wall"] = sw.Elapsed.TotalSeconds,
            ["rows"] = new JsonArray(r.Matrices.Select(m => (JsonNode?)m.FitRows).ToArray()),
            ["flops"] = r.Matrices.Sum(m => m.FitFlops),
            ["fit_seconds"] = r.Matrices.Sum(m => m.FitSeconds),
            ["write_seconds"] = r.Matrices.Sum(m => m.WriteSeconds),
            ["residual"] = new JsonArray(r.Matrices.Select(m => m.RelativeResidual is double x ? (JsonNode?)x : null).ToArray()),
            ["vmhwm"] = hwm,
        }.ToJsonString());
    }

    private static void RunChild(string dir, string mode, string precision, double rate64, double rate32, double cpu64)
    {
        var psi = new ProcessStartInfo("/usr/bin/time", ["-v", "dotnet", typeof(PropagationBench).Assembly.Location, "propagation-one", dir, mode, precision])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string stderr = err.Result;
        string? line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT "));
        if (p.ExitCode != 0 || line is null)
        {
            Console.WriteLine($"{mode}: failed (exit {p.ExitCode})\n{stdout}\n{stderr}");
            return;
        }
        var r = JsonNode.Parse(line[7..])!.AsObject();
        long rssKb = long.Parse(Regex.Match(stderr, @"Maximum resident set size \(kbytes\): (\d+)").Groups[1].Value);
        string wallText = Regex.Match(stderr, @"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)").Groups[1].Value;
        double wall = (double)r["wall"]!;
        double cpuSeconds = double.Parse(Regex.Match(stderr, @"User time \(seconds\): ([\d.]+)").Groups[1].Value)
                            + double.Parse(Regex.Match(stderr, @"System time \(seconds\): ([\d.]+)").Groups[1].Value);
        double flops = (double)r["flops"]!;
        string rows = string.Join("+", ((JsonArray)r["rows"]!).Select(x => x!.ToString()));
        string residual = string.Join(" / ", ((JsonArray)r["residual"]!).Select(x => x is null ? "-" : ((double)x).ToString("0.0000e0")));
        double floor64 = flops / rate64, floor32 = flops / rate32;
        Console.WriteLine($"{mode,-13} {precision,-9} {rows,18} {flops / 1e9,7:0} {wall,8:0.0} {floor64,12:0.0} {(flops > 0 ? (wall / floor64).ToString("0.00") : "-"),6} {floor32,12:0.0} {rssKb / 1048576.0,7:0.00}Gi  {residual}" +
                          $"   (fit {(double)r["fit_seconds"]!:0.0} s, write {(double)r["write_seconds"]!:0.0} s, process wall {wallText}, CPU {cpuSeconds:0} s vs fp64 CPU floor {flops / cpu64:0} s = {(flops > 0 ? (cpuSeconds / (flops / cpu64)).ToString("0.00") : "-")}×)");
        if (mode == "overlap" && precision == "mixed")
        {
            foreach (string m in new[] { "embed_tokens", "lm_head" })
            {
                double[] a = MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(dir, "out-overlap-fp64", $"projection-{m}.f64"))).ToArray();
                double[] b = MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(dir, "out-overlap-mixed", $"projection-{m}.f64"))).ToArray();
                double num = 0, den = 0;
                for (int i = 0; i < a.Length; i++) { num += (a[i] - b[i]) * (a[i] - b[i]); den += a[i] * a[i]; }
                Console.WriteLine($"  mixed vs fp64 projection ({m}): relative difference {Math.Sqrt(num / den):0.00e0} (accept mixed only if ≤ 1e-5)");
            }
        }
        foreach (string old in Directory.GetDirectories(dir, "out-*"))
            if (!Path.GetFileName(old).StartsWith("out-overlap-")) Directory.Delete(old, true); // the overlap projections feed the mixed check
    }

    /// <summary>GEMM rates of the normal-equation block shape (d × blk)·(blk × 2d), per wall second and per CPU second
    /// (the latter is what a contended machine still delivers), and the rate NormalEquations.Add achieves on the same block.</summary>
    private static (double Fp64, double Fp32, double Fp64PerCpu, double Fp32PerCpu) GemmRates()
    {
        const int blk = 2048;
        (double Wall, double Cpu) Rate(ScalarType type)
        {
            using var scope = NewDisposeScope();
            Tensor a = randn([blk, D], dtype: type), ab = randn([blk, 2 * D], dtype: type);
            Tensor c = zeros([D, 2 * D], dtype: type);
            double flops = 2.0 * D * blk * 2 * D;
            c.addmm_(a.t(), ab);
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            for (int k = 0; k < 2; k++) c.addmm_(a.t(), ab);
            double wall = sw.Elapsed.TotalSeconds / 2, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / 2;
            return (flops / wall, flops / cpu);
        }
        var (w64, c64) = Rate(ScalarType.Float64);
        var (w32, c32) = Rate(ScalarType.Float32);
        using (var scope = NewDisposeScope())
        using (var eq = new NormalEquations(D))
        {
            Tensor block = randn([blk, 2 * D], dtype: ScalarType.Float64);
            eq.Add(block);
            var sw = Stopwatch.StartNew();
            eq.Add(block);
            Console.WriteLine($"NormalEquations.Add on one {blk}-row block: {sw.Elapsed.TotalSeconds:0.00} s = {4.0 * blk * D * D / sw.Elapsed.TotalSeconds / 1e9:0.0} GFLOP/s of the 4·n·d² floor count");
        }
        return (w64, w32, c64, c32);
    }

    // ------------------------------------------------------------------ synthetic 8B-shaped trio

    private static void Generate(string dir)
    {
        string done = Path.Combine(dir, ".complete");
        if (File.Exists(done)) return;
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
        var sw = Stopwatch.StartNew();
        Console.WriteLine($"generating the 8B-shaped trio in {dir} (once) ...");
        string b = Path.Combine(dir, "base"), i = Path.Combine(dir, "instruct"), d = Path.Combine(dir, "donor");
        foreach (string x in new[] { b, i, d }) Directory.CreateDirectory(x);

        // tokenizers: Llama-3 for B and I (I with a chat template), Llama-3 + learned Russian merges for D
        File.Copy(Llama3, Path.Combine(b, "tokenizer.json"));
        File.Copy(Llama3, Path.Combine(i, "tokenizer.json"));
        var tcfg = new JsonObject { ["bos_token"] = "<|begin_of_text|>", ["eos_token"] = "<|end_of_text|>", ["tokenizer_class"] = "PreTrainedTokenizerFast" };
        JsonFile.Write(Path.Combine(b, "tokenizer_config.json"), tcfg);
        var icfg = (JsonObject)tcfg.DeepClone();
        icfg["eos_token"] = "<|eot_id|>";
        icfg["chat_template"] = "{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n{{ m['content'] }}<|eot_id|>{% endfor %}";
        JsonFile.Write(Path.Combine(i, "tokenizer_config.json"), icfg);
        int donorRows = ExtendTokenizer(Path.Combine(d, "tokenizer.json"));
        JsonFile.Write(Path.Combine(d, "tokenizer_config.json"), tcfg);
        File.WriteAllText(Path.Combine(dir, "corpus.txt"), string.Join("\n\n", Lep.Data.DocumentReader.Read(Path.Combine(_data, "corpus", "ru_heldout.txt")).Take(400)));

        ModelConfig Config(int vocab) => ModelConfig.Create("LlamaForCausalLM", vocab, D, Ffn, 2, 32, 8, ropeTheta: 500000, maxPositions: 8192, bosTokenId: 128000, eosTokenId: 128001);
        Config(OldVocab).Save(Path.Combine(b, "config.json"));
        var ic = Config(OldVocab);
        ic.SetVocabulary(OldVocab, 128000, [128001, 128009]);
        ic.Save(Path.Combine(i, "config.json"));
        Config(donorRows).Save(Path.Combine(d, "config.json"));

        const long shard = 2L << 30;
        // row r of E_B is a function of r: E_I = E_B + small noise; D's old rows = E_B + noise, new rows random.
        CheckpointWriter.WriteWeights(b, [Matrix(ModelInput.EmbedName, OldVocab, 1, 0, 0), Vector("model.norm.weight", 5), Matrix(ModelInput.HeadName, OldVocab, 2, 0, 0)], shard);
        var inst = new List<PendingTensor> { Matrix(ModelInput.EmbedName, OldVocab, 1, 11, 0.1) };
        for (int l = 0; l < 2; l++)
        {
            string p = $"model.layers.{l}.";
            ulong s = (ulong)(100 + 10 * l);
            inst.Add(Vector(p + "input_layernorm.weight", s));
            inst.Add(Matrix(p + "self_attn.q_proj.weight", D, s + 1, 0, 0));
            inst.Add(Matrix(p + "self_attn.k_proj.weight", 1024, s + 2, 0, 0));
            inst.Add(Matrix(p + "self_attn.v_proj.weight", 1024, s + 3, 0, 0));
            inst.Add(Matrix(p + "self_attn.o_proj.weight", D, s + 4, 0, 0));
            inst.Add(Vector(p + "post_attention_layernorm.weight", s + 5));
            inst.Add(Matrix(p + "mlp.gate_proj.weight", Ffn, s + 6, 0, 0));
            inst.Add(Matrix(p + "mlp.up_proj.weight", Ffn, s + 7, 0, 0));
            inst.Add(Matrix(p + "mlp.down_proj.weight", D, s + 8, 0, 0, cols: Ffn));
        }
        inst.Add(Vector("model.norm.weight", 6));
        inst.Add(Matrix(ModelInput.HeadName, OldVocab, 2, 12, 0.1));
        CheckpointWriter.WriteWeights(i, inst, shard);
        CheckpointWriter.WriteWeights(d, [Matrix(ModelInput.EmbedName, donorRows, 1, 21, 0.3, newFrom: OldVocab), Vector("model.norm.weight", 5),
            Matrix(ModelInput.HeadName, donorRows, 2, 22, 0.3, newFrom: OldVocab)], shard);
        File.WriteAllText(done, "ok");
        Console.WriteLine($"generated in {sw.Elapsed.TotalSeconds:0} s: {DirBytes(dir) / 1e9:0.0} GB");
    }

    private static long DirBytes(string dir) => Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    /// <summary>Llama-3 + <see cref="NewTokens"/> merges learned on Russian words (old segmentation, then left-to-right
    /// merges of each frequent multi-piece word: a valid BPE extension). Returns the new size.</summary>
    private static int ExtendTokenizer(string path)
    {
        Tokenizer old = Tokenizer.Load(Llama3);
        var freq = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var reader = new StreamReader(RuText))
        {
            var buf = new char[8 << 20];
            int n = reader.ReadBlock(buf, 0, buf.Length);
            foreach (var piece in old.PreTokenize(new string(buf, 0, n)))
                if (!piece.IsToken) freq[piece.Text] = freq.GetValueOrDefault(piece.Text) + 1;
        }
        JsonObject json = JsonFile.ReadObject(Llama3);
        var vocab = (JsonObject)json["model"]!["vocab"]!;
        var merges = (JsonArray)json["model"]!["merges"]!;
        int next = OldVocab, added = 0;
        var known = new HashSet<string>(old.Model.GetVocab().Keys, StringComparer.Ordinal);
        foreach (var (word, _) in freq.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (added >= NewTokens) break;
            var ids = new List<int>();
            old.Model.Tokenize(word, ids);
            if (ids.Count < 2) continue;
            string acc = old.Model.IdToToken(ids[0])!;
            for (int k = 1; k < ids.Count && added < NewTokens; k++)
            {
                string t = old.Model.IdToToken(ids[k])!;
                string merged = acc + t;
                if (known.Add(merged))
                {
                    merges.Add($"{acc} {t}");
                    vocab[merged] = next++;
                    added++;
                }
                acc = merged;
            }
        }
        JsonFile.Write(path, json);
        return next;
    }

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>A bf16 matrix: row r = base(r) + noiseScale·noise(r) (≈ N(0, 0.02²) entries); rows ≥ newFrom are fresh random rows.</summary>
    private static PendingTensor Matrix(string name, long rows, ulong baseSeed, ulong noiseSeed, double noiseScale, long newFrom = long.MaxValue, int cols = D) =>
        new(name, DType.BF16, [rows, cols], s =>
        {
            var vals = new float[cols];
            var bytes = new byte[cols * 2 * 256];
            int inChunk = 0;
            for (long r = 0; r < rows; r++)
            {
                bool fresh = r >= newFrom;
                Fill(vals, Mix(baseSeed * 0x1000003 + (ulong)r + (fresh ? 0x5555555555UL : 0)), 0.02, false);
                if (noiseScale > 0 && !fresh) Fill(vals, Mix(noiseSeed * 0x1000003 + (ulong)r), 0.02 * noiseScale, true);
                MatrixRows.Narrow(vals, DType.BF16, bytes.AsSpan(inChunk * cols * 2, cols * 2));
                if (++inChunk == 256 || r == rows - 1)
                {
                    s.Write(bytes, 0, inChunk * cols * 2);
                    inChunk = 0;
                }
            }
        });

    private static PendingTensor Vector(string name, ulong seed) => new(name, DType.BF16, [D], s =>
    {
        var vals = new float[D];
        Fill(vals, Mix(seed), 0.1, false);
        for (int k = 0; k < D; k++) vals[k] += 1;
        var bytes = new byte[D * 2];
        MatrixRows.Narrow(vals, DType.BF16, bytes);
        s.Write(bytes);
    });

    /// <summary>Approximately normal values (sum of four uniforms) from a splitmix stream.</summary>
    private static void Fill(float[] v, ulong state, double sigma, bool add)
    {
        float scale = (float)(sigma * Math.Sqrt(3.0));
        for (int k = 0; k < v.Length; k++)
        {
            state = Mix(state);
            ulong x = state;
            float sum = 0;
            for (int j = 0; j < 4; j++) { sum += (x & 0xFFFF) / 32768f - 1f; x >>= 16; }
            float value = sum * 0.5f * scale;
            v[k] = add ? v[k] + value : value;
        }
    }
}
