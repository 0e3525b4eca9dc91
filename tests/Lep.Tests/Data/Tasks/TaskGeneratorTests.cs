using System.Text;
using Lep.Data.Tasks;
using Lep.Tests.Support;

namespace Lep.Tests.Data.Tasks;

public class TaskGeneratorTests
{
    private static readonly string[] EnNouns = ["cat", "dog", "house", "river", "teacher", "garden", "window", "city", "friend", "book", "tree", "road"];
    private static readonly string[] EnVerbs = ["sees", "likes", "finds", "paints", "visits", "remembers", "watches", "opens"];
    private static readonly string[] RuNouns = ["кошка", "собака", "дом", "река", "учитель", "сад", "окно", "город", "друг", "книга", "дерево", "дорога"];
    private static readonly string[] RuVerbs = ["видит", "любит", "находит", "рисует", "посещает", "помнит", "смотрит", "открывает"];

    /// <summary>A small corpus in the layout `lep data build` writes: documents of simple sentences + a dictionary.</summary>
    private static string MakeCorpus(string dir)
    {
        var rng = new Random(7);
        string Sentence(string[] nouns, string[] verbs, string the)
        {
            string s = $"{the}{nouns[rng.Next(nouns.Length)]} {verbs[rng.Next(verbs.Length)]} {nouns[rng.Next(nouns.Length)]} {nouns[rng.Next(nouns.Length)]} {rng.Next(1000)} раз".Replace(" раз", the.Length > 0 ? " times" : " раз");
            return char.ToUpperInvariant(s[0]) + s[1..] + ".";
        }
        void WriteDocs(string name, int count, string[] nouns, string[] verbs, string the)
        {
            var sb = new StringBuilder();
            for (int d = 0; d < count; d++)
            {
                if (d > 0) sb.Append("\n\n");
                sb.Append($"Heading {d}\n");
                int lines = 2 + rng.Next(3);
                for (int l = 0; l < lines; l++) sb.Append(string.Join(" ", Enumerable.Range(0, 2).Select(_ => Sentence(nouns, verbs, the)))).Append('\n');
                sb.Length--;
            }
            sb.Append('\n');
            File.WriteAllText(Path.Combine(dir, name), sb.ToString());
        }
        WriteDocs("en_train.txt", 300, EnNouns, EnVerbs, "the ");
        WriteDocs("en_heldout.txt", 40, EnNouns, EnVerbs, "the ");
        WriteDocs("ru_train.txt", 300, RuNouns, RuVerbs, "");
        WriteDocs("ru_heldout.txt", 40, RuNouns, RuVerbs, "");
        var dict = new StringBuilder();
        string[] extraEn = ["apple", "bread", "cloud", "door", "earth", "fire", "glass", "hand", "island", "juice", "knife", "lamp", "milk", "night", "ocean", "paper", "queen", "rain", "salt", "table"];
        string[] extraRu = ["яблоко", "хлеб", "облако", "дверь", "земля", "огонь", "стекло", "рука", "остров", "сок", "нож", "лампа", "молоко", "ночь", "океан", "бумага", "королева", "дождь", "соль", "стол"];
        var en = EnNouns.Concat(extraEn).ToArray();
        var ru = RuNouns.Concat(extraRu).ToArray();
        for (int i = 0; i < en.Length; i++)
            for (int k = 0; k < 5; k++)
                dict.Append($"{en[i]}{(k == 0 ? "" : new string('x', k))}\t{ru[i]}\tdict\n");
        File.WriteAllText(Path.Combine(dir, "parallel_dict.en-ru.tsv"), dict.ToString());
        return dir;
    }

    [Fact]
    public void TwoRunsAreByteIdenticalAndTheSeedMatters()
    {
        using var dir = new TempDir();
        string corpus = MakeCorpus(Directory.CreateDirectory(Path.Combine(dir.Path, "corpus")).FullName);
        var options = new TaskOptions { TrainPerKind = 100, EvalPerKind = 20 };
        TaskGenerator.Generate(corpus, Path.Combine(dir.Path, "a"), options);
        TaskGenerator.Generate(corpus, Path.Combine(dir.Path, "b"), options);
        TaskGenerator.Generate(corpus, Path.Combine(dir.Path, "c"), options with { Seed = 2 });
        foreach (string f in new[] { "train.jsonl", "dev.jsonl", "test.jsonl", "manifest.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "a", f)), File.ReadAllBytes(Path.Combine(dir.Path, "b", f)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(dir.Path, "a", "train.jsonl")), File.ReadAllBytes(Path.Combine(dir.Path, "c", "train.jsonl")));
    }

    [Fact]
    public void SplitsAreDisjointAndMultipleChoiceAnswersAreAmongTheChoices()
    {
        using var dir = new TempDir();
        string corpus = MakeCorpus(Directory.CreateDirectory(Path.Combine(dir.Path, "corpus")).FullName);
        string outDir = Path.Combine(dir.Path, "tasks");
        TaskGenerator.Generate(corpus, outDir, new TaskOptions { TrainPerKind = 200, EvalPerKind = 30 });
        var splits = TaskGenerator.Splits.ToDictionary(s => s, s => File.ReadAllLines(Path.Combine(outDir, s + ".jsonl")).Select(TaskRecord.Parse).ToList());

        string[] kinds = ["copy", "continuation", "mc_continuation", "summary", "translate_en_ru", "translate_ru_en", "mc_translation"];
        foreach (string kind in kinds)
            foreach (string lang in TaskGenerator.Langs)
                Assert.True(splits["train"].Any(r => r.Kind == kind && r.Lang == lang), $"train has {kind}/{lang}");
        Assert.Contains(splits["test"], r => r.Kind == "copy" && r.Lang == "ru");
        Assert.Contains(splits["dev"], r => r.Kind == "mc_translation");

        // Disjoint: no prompt/question, no id, and no source word or source text in two splits.
        static string Key(TaskRecord r) => r.IsMultipleChoice ? r.Question! : r.Prompt!;
        for (int i = 0; i < 3; i++)
            for (int j = i + 1; j < 3; j++)
            {
                var a = splits[TaskGenerator.Splits[i]];
                var b = splits[TaskGenerator.Splits[j]];
                Assert.Empty(a.Select(Key).Intersect(b.Select(Key)));
                Assert.Empty(a.Select(r => r.Id).Intersect(b.Select(r => r.Id)));
                Assert.Empty(a.Where(r => r.Kind == "copy").Select(r => r.Answer).Intersect(b.Where(r => r.Kind == "copy").Select(r => r.Answer)));
            }
        foreach (var (split, records) in splits)
            foreach (var r in records.Where(r => r.Kind is "translate_en_ru" or "mc_translation"))
                Assert.Equal(split, TaskGenerator.WordSplit(ExtractWord(r)));

        foreach (var r in splits.Values.SelectMany(x => x))
        {
            if (r.IsMultipleChoice)
            {
                Assert.Equal(4, r.Choices!.Count);
                Assert.Equal(4, r.Choices.Distinct().Count());
                Assert.InRange(r.AnswerIndex, 0, 3);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(r.Answer));
                if (r.Kind == "copy") Assert.EndsWith(r.Answer!, r.Prompt);
                if (r.Accept is not null) Assert.Contains(r.Answer!, r.Accept);
            }
        }
        // Answers are correct: the MC translation answer is the dictionary's word, the continuation answer the next sentence.
        var mc = splits["train"].First(r => r.Kind == "mc_translation" && r.Lang == "en");
        string word = ExtractWord(mc);
        int index = Array.IndexOf(EnNouns.Concat(["apple", "bread", "cloud", "door", "earth", "fire", "glass", "hand", "island", "juice", "knife", "lamp", "milk", "night", "ocean", "paper", "queen", "rain", "salt", "table"]).ToArray(), word.TrimEnd('x'));
        Assert.True(index >= 0, word);
        // Russian prompts are in Russian, English ones in English.
        Assert.All(splits["train"].Where(r => r.Lang == "ru"), r => Assert.Contains((r.Prompt ?? r.Question)!, s => s is >= 'А' and <= 'я'));
        Assert.All(splits["train"].Where(r => r.Lang == "en" && r.TextLang == "en"), r => Assert.DoesNotContain((r.Prompt ?? r.Question)!, s => s is >= 'А' and <= 'я'));
    }

    private static string ExtractWord(TaskRecord r)
    {
        string text = r.Prompt ?? r.Question!;
        int start = text.IndexOfAny(['"', '«']) + 1;
        int end = text.IndexOfAny(['"', '»'], start);
        return text[start..end];
    }

    [Fact]
    public void MissingCorpusIsABadInput()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<LepInputException>(() => TaskGenerator.Generate(Path.Combine(dir.Path, "none"), Path.Combine(dir.Path, "out"), new TaskOptions()));
        Assert.Contains("lep data build", e.Message);
        Assert.Throws<LepInputException>(() => TaskGenerator.Generate(dir.Path, Path.Combine(dir.Path, "out"), new TaskOptions()));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")));
    }

    [Fact]
    public void SentenceSplittingJoinsWrappedLines()
    {
        var s = Sentences.Split(["Первое предложение здесь. Второе предложение", "продолжается тут! Заголовок", "Третье."]);
        Assert.Equal(["Первое предложение здесь.", "Второе предложение продолжается тут!", null, null, "Третье.", null], s);
    }
}
