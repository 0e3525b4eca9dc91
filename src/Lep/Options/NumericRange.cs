using System.Globalization;

namespace Lep.Options;

/// <summary>
/// The one check of a numeric setting against its range. NaN and ±∞ are never in range (NaN slips through every
/// <c>x &lt;= 0</c> test, which is why the checks go through here). Problems read "must be …, not VALUE", without the
/// setting's name: an <see cref="OptionSpec"/> check, worded by its caller (<see cref="OptionException"/>).
/// </summary>
internal readonly record struct NumericRange(double Min, double Max, bool MinInclusive = true, bool MaxInclusive = true)
{
    /// <summary>Any finite number.</summary>
    public static NumericRange Finite => new(double.MinValue, double.MaxValue);
    public static NumericRange Positive => new(0, double.MaxValue, MinInclusive: false);
    public static NumericRange NonNegative => new(0, double.MaxValue);
    /// <summary>(0, 1]: shares such as a character coverage or top-p.</summary>
    public static NumericRange Share => new(0, 1, MinInclusive: false);
    /// <summary>[0, 1].</summary>
    public static NumericRange Fraction => new(0, 1);

    /// <summary>[<paramref name="min"/>, ∞).</summary>
    public static NumericRange AtLeast(double min) => new(min, double.MaxValue);

    public bool Contains(double value) =>
        double.IsFinite(value) && (MinInclusive ? value >= Min : value > Min) && (MaxInclusive ? value <= Max : value < Max);

    /// <summary>Null when <paramref name="value"/> is in range, else what is wrong ("must be …, not …").</summary>
    public string? Problem(double value) => Contains(value) ? null : $"must be {(double.IsFinite(value) ? Describe() : "a finite number")}, not {Show(value)}";

    /// <summary>As <see cref="Problem(double)"/> for a whole number ("must be ≥ 1, not 0").</summary>
    public string? Problem(long value) => Contains(value) ? null : $"must be {Describe(integer: true)}, not {value.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Throws the one-line usage error (exit 2) "NAME must be …, not VALUE", for settings that are no job's
    /// option (an option's check goes through its <see cref="OptionSpec"/>, which its caller words).</summary>
    public void Require(string name, double value)
    {
        if (Problem(value) is string problem) throw new ArgumentException($"{name} {problem}");
    }

    public string Describe(bool integer = false)
    {
        string number = integer ? "" : "a finite number";
        if (Min == double.MinValue && Max == double.MaxValue) return integer ? "an integer" : number;
        if (Max == double.MaxValue)
            return $"{number}{(integer ? "" : " ")}{(MinInclusive ? "≥" : ">")} {Show(Min)}";
        return $"within {(MinInclusive ? '[' : '(')}{Show(Min)}, {Show(Max)}{(MaxInclusive ? ']' : ')')}";
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
