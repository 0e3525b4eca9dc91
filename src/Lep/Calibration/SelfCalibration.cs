using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lep.Data;
using Lep.Formats.Checkpoint;
using Lep.Modeling;
using Lep.Tokenization;
using Lep.Tokenization.ChatTemplates;
using static TorchSharp.torch;

namespace Lep.Calibration;

/// <summary>
/// Self-calibration: the original instruct model (the teacher, with its own tokenizer and chat template) answers each
/// prompt greedily; the (prompt, answer) conversations are what the LEP model then learns, re-tokenised with its new
/// vocabulary. Answers are cached in the run dir (one JSON line per answer, keyed by teacher, token limit and the
/// rendered prompt), so a resumed or repeated run does not generate them again.
/// </summary>
internal static class SelfCalibration
{
    public const string CacheFile = "teacher_answers.jsonl";

    /// <param name="Conversations">prompt turns + the teacher's answer (empty answers are left out)</param>
    /// <param name="Truncated">answers that hit the token limit before an eos</param>
    public sealed record Answers(List<List<ChatMessage>> Conversations, int Prompts, int Generated, int Cached, int Truncated, int Empty);

    public static Answers Run(SelfCalibrationSource source, string runDirectory, Device device, IProgress<double>? progress = null)
    {
        CalibrationSchema.MaxNewTokens.Require(source.MaxNewTokens);
        string teacher = source.Teacher;
        foreach (string file in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
        {
            if (!File.Exists(Path.Combine(teacher, file))) throw new LepInputException(teacher, $"the teacher model dir has no {file}");
        }
        List<List<ChatMessage>> prompts = ConversationFiles.ReadPrompts(source.Prompts);
        ChatTemplate template = ChatTemplate.FromTokenizerConfig(Path.Combine(teacher, "tokenizer_config.json"));
        Tokenizer tokenizer = Tokenizer.Load(teacher);
        var options = new SamplingOptions { MaxNewTokens = source.MaxNewTokens, Temperature = 0, StopTokens = StopTokens(teacher) };

        Directory.CreateDirectory(runDirectory);
        string cachePath = Path.Combine(runDirectory, CacheFile);
        Dictionary<string, (string Answer, bool Truncated)> cache = ReadCache(cachePath);
        using var writer = new StreamWriter(cachePath, append: true, new UTF8Encoding(false));
        if (EndsMidLine(cachePath)) writer.WriteLine();
        LlamaForCausalLM? lm = null;
        try
        {
            var conversations = new List<List<ChatMessage>>();
            int generated = 0, cached = 0, truncated = 0, empty = 0;
            string identity = $"{Path.GetFullPath(teacher)}\n{source.MaxNewTokens}\n";
            for (int i = 0; i < prompts.Count; i++)
            {
                string rendered = template.Render(prompts[i], addGenerationPrompt: true);
                string key = Key(identity + rendered);
                if (cache.TryGetValue(key, out var hit))
                {
                    cached++;
                }
                else
                {
                    lm ??= LoadTeacher(teacher, tokenizer, device);
                    // Like apply_chat_template: the rendered text already holds the template's special tokens.
                    int[] ids = tokenizer.Encode(rendered, addSpecialTokens: false);
                    if (ids.Length == 0) throw new LepInputException($"{source.Prompts}", $"prompt {i + 1} renders to no tokens");
                    List<int> reply = Generation.Generate(lm, ids, options).ToList();
                    hit = (tokenizer.Decode(reply, skipSpecialTokens: true).Trim(), reply.Count >= source.MaxNewTokens);
                    cache[key] = hit;
                    writer.WriteLine(JsonSerializer.Serialize(new CacheLine(key, hit.Answer, hit.Truncated), CacheJson));
                    writer.Flush();
                    generated++;
                }
                if (hit.Truncated) truncated++;
                if (hit.Answer.Length == 0)
                {
                    empty++;
                }
                else
                {
                    conversations.Add([.. prompts[i], new ChatMessage("assistant", hit.Answer)]);
                }
                progress?.Report((i + 1) / (double)prompts.Count);
            }
            return new Answers(conversations, prompts.Count, generated, cached, truncated, empty);
        }
        finally
        {
            lm?.Dispose();
        }
    }

    /// <summary>The teacher's eos ids: generation_config.json's and config.json's together.</summary>
    public static HashSet<int> StopTokens(string modelDirectory)
    {
        var stops = new HashSet<int>(ModelConfig.Load(Path.Combine(modelDirectory, "config.json")).EosTokenIds);
        string generation = Path.Combine(modelDirectory, "generation_config.json");
        if (File.Exists(generation)) stops.UnionWith(JsonFile.ReadObject(generation).GetIntOrList("eos_token_id"));
        return stops;
    }

    private static LlamaForCausalLM LoadTeacher(string teacher, Tokenizer tokenizer, Device device)
    {
        var lm = LlamaForCausalLM.Load(teacher, device);
        lm.eval();
        if (tokenizer.VocabSize > lm.Config.VocabSize)
        {
            lm.Dispose();
            throw new LepInputException(Path.Combine(teacher, "tokenizer.json"), $"the tokenizer has {tokenizer.VocabSize} tokens but the teacher has {lm.Config.VocabSize} " +
                $"embedding rows");
        }
        return lm;
    }

    private static readonly JsonSerializerOptions CacheJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private sealed record CacheLine(string Key, string Answer, bool Truncated);

    private static Dictionary<string, (string, bool)> ReadCache(string path)
    {
        var cache = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        if (!File.Exists(path)) return cache;
        foreach (string line in File.ReadLines(path))
        {
            try
            {
                if (JsonSerializer.Deserialize<CacheLine>(line) is { Key: not null, Answer: not null } c) cache[c.Key] = (c.Answer, c.Truncated);
            }
            catch (JsonException)
            {
                // a line cut short by a killed run: that answer is generated again
            }
        }
        return cache;
    }

    private static bool EndsMidLine(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0) return false;
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() != '\n';
    }

    private static string Key(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
}
