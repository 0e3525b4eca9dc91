using System.Text;

namespace Lep.Data.Tasks;

/// <summary>The inputs of task generation, read from a corpus directory written by `lep data build` (or by hand).</summary>
internal sealed class TaskCorpus
{
    private readonly Dictionary<(string Lang, string File), List<string[]>> _docs = new();
    private readonly Dictionary<string, List<string>> _rankedWords = new();

    /// <summary>English word → Russian translations, the most widely attested first.</summary>
    public Dictionary<string, List<string>> EnToRu { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<string>> RuToEn { get; } = new(StringComparer.Ordinal);
    /// <summary>Names, sizes and FNV hashes of the input files (for the manifest).</summary>
    public string Fingerprint { get; private set; } = "";

    public static TaskCorpus Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new LepInputException(dir, "corpus directory not found (build one with 'lep data build --out DIR')");
        var c = new TaskCorpus();
        var fingerprint = new List<string>();
        bool any = false;
        foreach (string lang in TaskGenerator.Langs)
            foreach (string file in new[] { "train", "heldout" })
            {
                string path = Path.Combine(dir, $"{lang}_{file}.txt");
                if (!File.Exists(path))
                {
                    c._docs[(lang, file)] = [];
                    continue;
                }
                string text = File.ReadAllText(path, Encoding.UTF8);
                c._docs[(lang, file)] = text.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
                    .Select(d => d.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Where(d => d.Length > 0).ToList();
                fingerprint.Add($"{Path.GetFileName(path)}:{text.Length}:{TaskGenerator.StableHash(text):x16}");
                any = true;
            }
        if (!any) throw new LepInputException(dir, "no en_train.txt, ru_train.txt, en_heldout.txt or ru_heldout.txt in the corpus directory");
        string dictPath = Path.Combine(dir, "parallel_dict.en-ru.tsv");
        if (File.Exists(dictPath))
        {
            c.LoadDictionary(dictPath);
            fingerprint.Add($"parallel_dict.en-ru.tsv:{new FileInfo(dictPath).Length}");
        }
        c.Fingerprint = string.Join(" ", fingerprint);
        return c;
    }

    private void LoadDictionary(string path)
    {
        var sources = new Dictionary<(string En, string Ru), int>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNo++;
            if (line.Length == 0) continue;
            string[] f = line.Split('\t');
            if (f.Length < 2) throw new LepInputException(path, $"line {lineNo}: expected en<TAB>ru<TAB>source");
            string en = f[0].Trim(), ru = f[1].Trim();
            if (en.Length == 0 || ru.Length == 0 || en.Contains(' ') || ru.Contains(' ')) continue;
            sources[(en, ru)] = sources.GetValueOrDefault((en, ru)) + 1;
        }
        // The main answer: attested by the most dictionaries, then the most frequent in the training text.
        Dictionary<string, int> ruCounts = WordCounts("ru"), enCounts = WordCounts("en");
        foreach (var g in sources.GroupBy(kv => kv.Key.En))
            EnToRu[g.Key] = g.OrderByDescending(kv => kv.Value).ThenByDescending(kv => ruCounts.GetValueOrDefault(kv.Key.Ru.ToLowerInvariant()))
                .ThenBy(kv => kv.Key.Ru, StringComparer.Ordinal).Select(kv => kv.Key.Ru).ToList();
        foreach (var g in sources.GroupBy(kv => kv.Key.Ru))
            RuToEn[g.Key] = g.OrderByDescending(kv => kv.Value).ThenByDescending(kv => enCounts.GetValueOrDefault(kv.Key.En.ToLowerInvariant()))
                .ThenBy(kv => kv.Key.En, StringComparer.Ordinal).Select(kv => kv.Key.En).ToList();
    }

    private readonly Dictionary<string, Dictionary<string, int>> _counts = new();

    /// <summary>Lower-cased word counts of a language's training text.</summary>
    private Dictionary<string, int> WordCounts(string lang)
    {
        if (_counts.TryGetValue(lang, out var cached)) return cached;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string[] doc in _docs[(lang, "train")])
            foreach (string line in doc)
                foreach (string token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    string w = token.Trim('.', ',', ';', ':', '!', '?', '(', ')', '"', '«', '»', '\'', '[', ']').ToLowerInvariant();
                    if (w.Length > 0) counts[w] = counts.GetValueOrDefault(w) + 1;
                }
        return _counts[lang] = counts;
    }

    /// <summary>Train tasks read *_train.txt; dev and test read their hash half of *_heldout.txt.</summary>
    public List<string[]> Documents(string lang, string split) => split == "train"
        ? _docs[(lang, "train")]
        : _docs[(lang, "heldout")].Where(d => TaskGenerator.HeldOutSplit(string.Join('\n', d)) == split).ToList();

    /// <summary>Dictionary words of a language, most frequent in the training text first (ties: ordinal).</summary>
    public IReadOnlyList<string> RankedWords(string lang)
    {
        if (_rankedWords.TryGetValue(lang, out var cached)) return cached;
        Dictionary<string, int> counts = WordCounts(lang);
        var words = (lang == "en" ? EnToRu.Keys : RuToEn.Keys)
            .OrderByDescending(w => counts.GetValueOrDefault(w.ToLowerInvariant()))
            .ThenBy(w => w, StringComparer.Ordinal).ToList();
        _rankedWords[lang] = words;
        return words;
    }
}
