using System.Text;

namespace Lep.Tests.Tokenization;

/// <summary>Seeded random strings that stress tokenizers: mixed scripts, astral planes, emoji (with ZWJ and
/// skin-tone sequences), combining marks, whitespace runs, digits, contractions, special-token strings.</summary>
public static class FuzzStrings
{
    private static readonly string[] Fragments =
    [
        "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<s>", "</s>", "<unk>", "<|reserved_special_token_5|>",
        "<0x41>", "<|begin_of_text", "<s", "'S", "'ll", "'LL", "'Re", "'ve", "'d", "'M", "'t", "n't", "'s", "it's", "I'M",
        "\u2581", "\u2581\u2581", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\u00A0", "\u3000", "\u2009", "\u200B", "\u00AD",
        "\U0001F600", "\U0001F44D\U0001F3FD", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", "\U0001F1F7\U0001F1FA",
        "\u2764\uFE0F", "\U0001D400\U0001D401", "\U00020000\U0002A6D6", "\U0001F9D1\u200D\U0001F4BB", "\U00010400\U00010428",
        "e\u0301", "\u0430\u0301", "\u0915\u093F", "\u1100\u1161\u11A8", "\u00E9", "\u0419", "\u0439",
        "123", "4567890", "\u0663\u0664", "\u00BD", "\u2167", "\U0001D7CE\U0001D7CF", "3.14", "1,000", "---", "...", "\u2014", "\u00AB\u00BB",
        "http://example.com/a?b=c", "foo_bar", "CamelCase", "ALLCAPS", "\u041C\u043E\u0441\u043A\u0432\u0430", "\u043F\u0440\u0438\u0432\u0435\u0442",
        "\u4E2D\u6587\u5B57", "\u65E5\u672C\u8A9E", "\u0627\u0644\u0639\u0631\u0628\u064A\u0629", "\u05E9\u05DC\u05D5\u05DD", "\u0E44\u0E17\u0E22",
        "\uFB01", "\u2126", "\u212B", "\uFF21\uFF22", "\uFE0F", "\u200D", "\u0000", "\u0007", "\u001B[0m", "\uFFFD", "\uE000",
    ];

    private static readonly (int Lo, int Hi)[] Ranges =
    [
        (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E), (0x410, 0x44F), (0x410, 0x44F), (0x400, 0x45F), (0x4E00, 0x4FFF),
        (0x3040, 0x30FF), (0xAC00, 0xAC80), (0x300, 0x36F), (0x1F300, 0x1F64F), (0x1F900, 0x1F9FF), (0x1D400, 0x1D4FF),
        (0x20000, 0x20FFF), (0x370, 0x3FF), (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F), (0x2000, 0x206F),
        (0x2190, 0x21FF), (0x2500, 0x257F), (0xFF00, 0xFF60), (0x10000, 0x1007F), (0x80, 0xFF),
    ];

    public static List<string> Generate(int seed, int count)
    {
        var rng = new Random(seed);
        var list = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            var sb = new StringBuilder();
            int parts = rng.Next(1, 16);
            for (int p = 0; p < parts; p++)
            {
                int kind = rng.Next(10);
                if (kind < 4) sb.Append(Fragments[rng.Next(Fragments.Length)]);
                else if (kind < 8)
                {
                    var (lo, hi) = Ranges[rng.Next(Ranges.Length)];
                    int n = rng.Next(1, 8);
                    for (int k = 0; k < n; k++)
                    {
                        int cp = rng.Next(lo, hi + 1);
                        if (cp is >= 0xD800 and <= 0xDFFF) continue;
                        sb.Append(char.ConvertFromUtf32(cp));
                    }
                }
                else
                {
                    string[] ws = [" ", "  ", "\t", "\n", "\r", "\u00A0", "\u3000", " \t\n "];
                    sb.Append(ws[rng.Next(ws.Length)]);
                }
            }
            list.Add(sb.ToString());
        }
        // Edge cases that must always be in the set.
        list.AddRange(["", " ", "  ", "\n", "a", "<s>", "<|begin_of_text|>", " <s> ", "<s><s>", "x<s>y", "\u2581", "\U0001F600"]);
        return list;
    }
}
