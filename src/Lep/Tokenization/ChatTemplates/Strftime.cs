using System.Globalization;
using System.Text;

namespace Lep.Tokenization.ChatTemplates;

/// <summary>
/// Python's <c>datetime.strftime</c> for the directives chat templates use (<c>strftime_now("%d %b %Y")</c>), with
/// English names as in the C locale, and glibc's <c>%-d</c> (no padding).
/// </summary>
internal static class Strftime
{
    public static string Format(DateTime t, string format)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            bool noPad = format[i + 1] == '-' && i + 2 < format.Length;
            char d = format[noPad ? i + 2 : i + 1];
            i += noPad ? 2 : 1;
            string Num(int value, int width) => noPad ? value.ToString(ci) : value.ToString(new string('0', width), ci);
            sb.Append(d switch
            {
                'a' => t.ToString("ddd", ci),
                'A' => t.ToString("dddd", ci),
                'b' or 'h' => t.ToString("MMM", ci),
                'B' => t.ToString("MMMM", ci),
                'd' => Num(t.Day, 2),
                'e' => noPad ? t.Day.ToString(ci) : t.Day.ToString(ci).PadLeft(2),
                'm' => Num(t.Month, 2),
                'y' => Num(t.Year % 100, 2),
                'Y' => t.Year.ToString(ci),
                'H' => Num(t.Hour, 2),
                'I' => Num(t.Hour % 12 == 0 ? 12 : t.Hour % 12, 2),
                'M' => Num(t.Minute, 2),
                'S' => Num(t.Second, 2),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", ci),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => Num(t.DayOfYear, 3),
                'w' => ((int)t.DayOfWeek).ToString(ci),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(ci),
                'F' => t.ToString("yyyy-MM-dd", ci),
                'T' => t.ToString("HH:mm:ss", ci),
                'D' => t.ToString("MM/dd/yy", ci),
                'c' => t.ToString("ddd MMM ", ci) + t.Day.ToString(ci).PadLeft(2) + t.ToString(" HH:mm:ss yyyy", ci),
                'x' => t.ToString("MM/dd/yy", ci),
                'X' => t.ToString("HH:mm:ss", ci),
                'Z' or 'z' => "",
                '%' => "%",
                _ => "%" + (noPad ? "-" : "") + d,
            });
        }
        return sb.ToString();
    }
}
