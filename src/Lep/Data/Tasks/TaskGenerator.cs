using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lep.Formats;

namespace Lep.Data.Tasks;

internal sealed record TaskOptions
{
    public int Seed { get; init; } = 1;
    /// <summary>Replace an existing non-empty output (the caller owns it, or the user said --force).</summary>
    public bool ReplaceOutput { get; init; }
    /// <summary>At most this many train examples per (kind, prompt language).</summary>
    public int TrainPerKind { get; init; } = 2000;
    /// <summary>At most this many dev and as many test examples per (kind, prompt language).</summary>
    public int EvalPerKind { get; init; } = 200;
    /// <summary>Longest sentence (in words) used for copy, continuation and summaries.</summary>
    public int MaxWords { get; init; } = 20;
    /// <summary>Longest document (in characters) used for a summary.</summary>
    public int MaxSummaryChars { get; init; } = 1200;
}

internal sealed record TaskSummary(string OutDir, IReadOnlyList<(string Split, int Count)> RecordsPerSplit);

/// <summary>
/// Instruction data from a corpus directory: copy, word translation (en→ru, ru→en), multiple choice (pick the
/// translation, pick the continuation), continuation and lead-sentence summary, each with English and Russian
/// prompts. Splits are decided without the seed: text tasks take train examples from *_train.txt and dev/test from
/// *_heldout.txt (by a hash of the document); word tasks split by a hash of the source word. The seed only drives
/// sampling and distractors. Output: train.jsonl, dev.jsonl, test.jsonl and manifest.json.
/// </summary>
internal static class TaskGenerator
{
    public static readonly string[] Splits = ["train", "dev", "test"];
    public static readonly string[] Langs = ["en", "ru"];

    public static TaskSummary Generate(string corpusDir, string outDir, TaskOptions options, IProgress<double>? progress = null)
    {
        var corpus = TaskCorpus.Load(corpusDir);
        progress?.Report(0.3);
        Dictionary<string, List<TaskRecord>> records = Build(corpus, options);
        progress?.Report(0.9);
        using var staging = new StagingDirectory(outDir, options.ReplaceOutput);
        var files = new JsonObject();
        var counts = new List<(string, int)>();
        foreach (string split in Splits)
        {
            string path = staging.File(split + ".jsonl");
            WriteJsonl(path, records[split]);
            counts.Add((split, records[split].Count));
            var byKind = new JsonObject();
            foreach (var g in records[split].GroupBy(r => $"{r.Kind}/{r.Lang}").OrderBy(g => g.Key, StringComparer.Ordinal)) byKind[g.Key] = g.Count();
            using var s = File.OpenRead(path);
            files[split + ".jsonl"] = new JsonObject
            {
                ["records"] = records[split].Count, ["bytes"] = new FileInfo(path).Length,
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(s)), ["by_kind"] = byKind,
            };
        }
        var manifest = new JsonObject
        {
            ["format"] = "lep-tasks/1",
            ["seed"] = options.Seed,
            ["corpus"] = corpus.Fingerprint,
            ["options"] = new JsonObject
            {
                ["train_per_kind"] = options.TrainPerKind, ["eval_per_kind"] = options.EvalPerKind,
                ["max_words"] = options.MaxWords, ["max_summary_chars"] = options.MaxSummaryChars,
            },
            ["schema"] = "docs/data.md",
            ["files"] = files,
        };
        File.WriteAllText(staging.File("manifest.json"),
            manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n",
            new UTF8Encoding(false));
        staging.Commit();
        progress?.Report(1.0);
        return new TaskSummary(staging.FinalPath, counts);
    }

    private static void WriteJsonl(string path, List<TaskRecord> records)
    {
        using var stream = File.Create(path);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        foreach (TaskRecord r in records)
        {
            using (var w = new Utf8JsonWriter(stream, options)) r.Write(w);
            stream.WriteByte((byte)'\n');
        }
    }

    /// <summary>All records per split, in a fixed order (kind, prompt language, then sampled order).</summary>
    public static Dictionary<string, List<TaskRecord>> Build(TaskCorpus corpus, TaskOptions options)
    {
        var result = Splits.ToDictionary(s => s, _ => new List<TaskRecord>());
        // Sentences already used by an earlier split (train, then dev): never reused by a later one.
        var used = Langs.ToDictionary(l => l, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (string split in Splits)
        {
            int limit = split == "train" ? options.TrainPerKind : options.EvalPerKind;
            var items = new List<TaskRecord>();
            foreach (string textLang in Langs)
            {
                List<string[]> docs = corpus.Documents(textLang, split);
                TextPools pools = TextPools.From(docs, textLang, options).Without(used[textLang]);
                used[textLang].UnionWith(pools.AllSentences());
                foreach (string lang in Langs)
                {
                    if (lang != textLang) continue; // text tasks: the prompt speaks the text's language
                    items.AddRange(Copy(pools, lang, split, limit, options.Seed));
                    items.AddRange(Continuation(pools, lang, split, limit, options.Seed));
                    items.AddRange(ContinuationChoice(pools, lang, split, limit, options.Seed));
                    items.AddRange(Summary(pools, lang, split, limit, options.Seed));
                }
            }
            foreach (string lang in Langs)
            {
                items.AddRange(WordTranslation(corpus, lang, split, "en", limit, options.Seed));
                items.AddRange(WordTranslation(corpus, lang, split, "ru", limit, options.Seed));
                items.AddRange(TranslationChoice(corpus, lang, split, limit, options.Seed));
            }
            result[split] = items;
        }
        return result;
    }

    // ---- prompts ------------------------------------------------------------------------------------------------

    public static string CopyPrompt(string lang, string text) => lang == "ru" ? $"Повтори в точности: {text}" : $"Repeat exactly: {text}";

    private static string ContinuePrompt(string lang, string context) =>
        lang == "ru" ? $"Продолжи текст одним предложением: {context}" : $"Continue the text with one sentence: {context}";

    private static string ContinueQuestion(string lang, string context) =>
        lang == "ru" ? $"Какое предложение продолжает текст? {context}" : $"Which sentence continues the text? {context}";

    private static string SummaryPrompt(string lang, string text) =>
        lang == "ru" ? $"Кратко перескажи текст одним предложением.\n{text}" : $"Summarize the text in one sentence.\n{text}";

    private static string WordPrompt(string lang, string from, string word) => (lang, from) switch
    {
        ("en", "en") => $"Translate the English word \"{word}\" into Russian. Answer with one word.",
        ("en", _) => $"Translate the Russian word \"{word}\" into English. Answer with one word.",
        (_, "en") => $"Переведи английское слово «{word}» на русский язык. Ответь одним словом.",
        _ => $"Переведи русское слово «{word}» на английский язык. Ответь одним словом.",
    };

    private static string TranslationQuestion(string lang, string word) =>
        lang == "ru" ? $"Какое русское слово означает «{word}»?" : $"Which Russian word means \"{word}\"?";

    // ---- text tasks ---------------------------------------------------------------------------------------------

    private static IEnumerable<TaskRecord> Copy(TextPools p, string lang, string split, int limit, int seed)
    {
        int n = 0;
        foreach (string s in Sample(p.CopySentences, limit, seed, "copy", lang, split))
            yield return new TaskRecord
            {
                Id = Id(split, "copy", lang, n++), Kind = "copy", Lang = lang, TextLang = p.Lang, Prompt = CopyPrompt(lang, s), Answer = s,
                Source = $"{p.Lang}_{SourceFile(split)}"
            };
    }

    private static IEnumerable<TaskRecord> Continuation(TextPools p, string lang, string split, int limit, int seed)
    {
        int n = 0;
        foreach (var (context, next) in Sample(p.Continuations, limit, seed, "continuation", lang, split))
            yield return new TaskRecord
            {
                Id = Id(split, "continuation", lang, n++), Kind = "continuation", Lang = lang, TextLang = p.Lang, Prompt = ContinuePrompt(lang, context),
                Answer = next, Source = $"{p.Lang}_{SourceFile(split)}"
            };
    }

    private static IEnumerable<TaskRecord> ContinuationChoice(TextPools p, string lang, string split, int limit, int seed)
    {
        if (p.Continuations.Count < 4) yield break;
        var rng = new Random(Mix(seed, "mc_continuation", lang, split, "distractors"));
        var targets = p.Continuations.Select(c => c.Next).Distinct().ToList();
        int n = 0;
        foreach (var (context, next) in Sample(p.Continuations, limit, seed, "mc_continuation", lang, split))
        {
            List<string>? choices = WithDistractors(next, targets, rng, exclude: [next, context]);
            if (choices is null) continue;
            var (shuffled, answer) = Shuffle(choices, rng);
            yield return new TaskRecord
            {
                Id = Id(split, "mc_continuation", lang, n++), Kind = "mc_continuation", Lang = lang, TextLang = p.Lang,
                Question = ContinueQuestion(lang, context), Choices = shuffled, AnswerIndex = answer, Source = $"{p.Lang}_{SourceFile(split)}"
            };
        }
    }

    private static IEnumerable<TaskRecord> Summary(TextPools p, string lang, string split, int limit, int seed)
    {
        int n = 0;
        foreach (var (text, lead) in Sample(p.Summaries, limit, seed, "summary", lang, split))
            yield return new TaskRecord
            {
                Id = Id(split, "summary", lang, n++), Kind = "summary", Lang = lang, TextLang = p.Lang, Prompt = SummaryPrompt(lang, text), Answer = lead,
                Source = $"{p.Lang}_{SourceFile(split)}"
            };
    }

    private static string SourceFile(string split) => split == "train" ? "train.txt" : "heldout.txt";

    // ---- dictionary tasks ---------------------------------------------------------------------------------------

    private static IEnumerable<TaskRecord> WordTranslation(TaskCorpus c, string lang, string split, string from, int limit, int seed)
    {
        var entries = from == "en" ? c.EnToRu : c.RuToEn;
        var pool = c.RankedWords(from).Where(w => entries.ContainsKey(w) && WordSplit(w) == split).Take(limit * 3).ToList();
        string kind = from == "en" ? "translate_en_ru" : "translate_ru_en";
        int n = 0;
        foreach (string word in Sample(pool, limit, seed, kind, lang, split))
        {
            List<string> accept = entries[word];
            yield return new TaskRecord
            {
                Id = Id(split, kind, lang, n++), Kind = kind, Lang = lang, TextLang = from, Prompt = WordPrompt(lang, from, word), Answer = accept[0],
                Accept = accept, Source = "parallel_dict.en-ru.tsv"
            };
        }
    }

    private static IEnumerable<TaskRecord> TranslationChoice(TaskCorpus c, string lang, string split, int limit, int seed)
    {
        var pool = c.RankedWords("en").Where(w => c.EnToRu.ContainsKey(w) && WordSplit(w) == split).Take(limit * 3).ToList();
        var answers = c.EnToRu.Where(kv => WordSplit(kv.Key) == split).Select(kv => kv.Value[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        if (answers.Count < 4) yield break;
        var rng = new Random(Mix(seed, "mc_translation", lang, split, "distractors"));
        int n = 0;
        foreach (string word in Sample(pool, limit, seed, "mc_translation", lang, split))
        {
            List<string> accept = c.EnToRu[word];
            List<string>? choices = WithDistractors(accept[0], answers, rng, exclude: accept);
            if (choices is null) continue;
            var (shuffled, answer) = Shuffle(choices, rng);
            yield return new TaskRecord
            {
                Id = Id(split, "mc_translation", lang, n++), Kind = "mc_translation", Lang = lang, TextLang = "en",
                Question = TranslationQuestion(lang, word), Choices = shuffled, AnswerIndex = answer, Source = "parallel_dict.en-ru.tsv"
            };
        }
    }

    /// <summary>Split of a dictionary word: fixed by its hash, independent of the seed (10 % test, 10 % dev).</summary>
    public static string WordSplit(string word) => (StableHash(word) % 10) switch { 0 => "test", 1 => "dev", _ => "train" };

    /// <summary>Split of a held-out document: dev or test by its hash (train documents are always train).</summary>
    public static string HeldOutSplit(string documentText) => StableHash(documentText) % 2 == 0 ? "dev" : "test";

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static string Id(string split, string kind, string lang, int n) => $"{split}-{kind}-{lang}-{n:D5}";

    private static List<string>? WithDistractors(string correct, List<string> pool, Random rng, IReadOnlyCollection<string> exclude)
    {
        var choices = new List<string> { correct };
        for (int tries = 0; choices.Count < 4 && tries < 200; tries++)
        {
            string d = pool[rng.Next(pool.Count)];
            if (!choices.Contains(d) && !exclude.Contains(d)) choices.Add(d);
        }
        return choices.Count == 4 ? choices : null;
    }

    private static (List<string> Choices, int Answer) Shuffle(List<string> choices, Random rng)
    {
        string correct = choices[0];
        var shuffled = choices.ToList();
        for (int i = shuffled.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }
        return (shuffled, shuffled.IndexOf(correct));
    }

    /// <summary>Up to <paramref name="limit"/> items in a seeded random order (Fisher–Yates on a copy).</summary>
    private static List<T> Sample<T>(IReadOnlyList<T> items, int limit, int seed, params string[] salt)
    {
        var rng = new Random(Mix(seed, salt));
        var copy = items.ToList();
        for (int i = copy.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy.Take(limit).ToList();
    }

    private static int Mix(int seed, params string[] salt) => (int)(StableHash(seed + "|" + string.Join("|", salt)) & 0x7fffffff);

    /// <summary>FNV-1a 64 over UTF-8 bytes: stable across runs, processes and .NET versions.</summary>
    public static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(s))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h;
    }
}

/// <summary>Sentences, continuation pairs and summary candidates of one language and split.</summary>
internal sealed record TextPools(string Lang, List<string> CopySentences, List<(string Context, string Next)> Continuations, List<(string Text, string Lead)> Summaries)
{
    public static TextPools From(List<string[]> docs, string lang, TaskOptions options)
    {
        var copy = new List<string>();
        var continuations = new List<(string, string)>();
        var summaries = new List<(string, string)>();
        var seenCopy = new HashSet<string>(StringComparer.Ordinal);
        foreach (string[] doc in docs)
        {
            List<string?> sentences = Sentences.Split(doc);
            for (int i = 0; i < sentences.Count; i++)
            {
                string? s = sentences[i];
                if (!Sentences.IsGood(s, lang, options.MaxWords)) continue;
                if (seenCopy.Add(s!)) copy.Add(s!);
                if (i + 1 < sentences.Count && Sentences.IsGood(sentences[i + 1], lang, options.MaxWords))
                {
                    string context = i > 0 && Sentences.IsGood(sentences[i - 1], lang, options.MaxWords) ? sentences[i - 1] + " " + s : s!;
                    continuations.Add((context, sentences[i + 1]!));
                }
            }
            string text = string.Join('\n', doc);
            int good = sentences.Count(x => Sentences.IsGood(x, lang, 40));
            // The lead: the first sentence, allowing for a title line before it.
            int lead = sentences.FindIndex(x => x is not null);
            if (lead >= 0 && lead <= 2 && Sentences.IsGood(sentences[lead], lang, 40) && good >= 3 && text.Length <= options.MaxSummaryChars)
                summaries.Add((text, sentences[lead]!));
        }
        return new TextPools(lang, copy, continuations, summaries);
    }

    /// <summary>The pools without any item that contains one of <paramref name="sentences"/>.</summary>
    public TextPools Without(HashSet<string> sentences)
    {
        if (sentences.Count == 0) return this;
        bool Contains(string text) => sentences.Contains(text) || Sentences.Split(text.Split('\n')).Any(s => s is not null && sentences.Contains(s));
        return this with
        {
            CopySentences = CopySentences.Where(s => !sentences.Contains(s)).ToList(),
            Continuations = Continuations.Where(c => !sentences.Contains(c.Next) && !Contains(c.Context)).ToList(),
            Summaries = Summaries.Where(x => !Contains(x.Text)).ToList(),
        };
    }

    public IEnumerable<string> AllSentences() =>
        CopySentences.Concat(Continuations.SelectMany(c => Sentences.Split([c.Context]).OfType<string>().Append(c.Next)))
            .Concat(Summaries.SelectMany(x => Sentences.Split(x.Text.Split('\n')).OfType<string>()));
}
