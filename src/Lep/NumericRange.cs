using System.Globalization;

namespace Lep;

/// <summary>
/// The one check of a numeric setting against its range. NaN and ±∞ are never in range (NaN slips through every
/// <c>x &lt;= 0</c> test, which is why the checks go through here). Problems read "NAME must be …, not VALUE".
/// </summary>
public readonly record struct NumericRange(double Min, double Max, bool MinInclusive = true, bool MaxInclusive = true)
{
    public static NumericRange Positive => new(0, double.MaxValue, MinInclusive: false);
    public static NumericRange NonNegative => new(0, double.MaxValue);
    /// <summary>(0, 1]: shares such as a character coverage or top-p.</summary>
    public static NumericRange Share => new(0, 1, MinInclusive: false);
    /// <summary>[0, 1].</summary>
    public static NumericRange Fraction => new(0, 1);

    public bool Contains(double value) =>
        double.IsFinite(value) && (MinInclusive ? value >= Min : value > Min) && (MaxInclusive ? value <= Max : value < Max);

    /// <summary>Null when <paramref name="value"/> is in range, else what is wrong ("must be …, not …").</summary>
    public string? Problem(double value) => Contains(value) ? null : $"must be {Describe()}, not {value.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Throws the one-line usage error (exit 2) "NAME must be …, not VALUE".</summary>
    public void Require(string name, double value)
    {
        if (Problem(value) is string problem) throw new ArgumentException($"{name} {problem}");
    }

    public string Describe()
    {
        if (Max == double.MaxValue)
            return Min == 0 && !MinInclusive ? "a finite number > 0" : $"a finite number ≥ {Min.ToString(CultureInfo.InvariantCulture)}";
        return $"within {(MinInclusive ? '[' : '(')}{Min.ToString(CultureInfo.InvariantCulture)}, {Max.ToString(CultureInfo.InvariantCulture)}{(MaxInclusive ? ']' : ')')}";
    }
}
