using System.Globalization;
using EvidenceBroker.Server.Errors;

namespace EvidenceBroker.Server.Exports;

/// <summary>How exports print times, durations, shares and enum values: invariant, UTC, unambiguous.</summary>
internal static class Formatting
{
    public static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at, string none = "—") => at is { } value ? Time(value) : none;

    /// <summary>To the second: when an identifier was in use (one IP address is many users' over a minute).</summary>
    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Instant(DateTimeOffset? at, string none) => at is { } value ? Instant(value) : none;

    public static string PreciseTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff 'UTC'", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span)
    {
        var negative = span < TimeSpan.Zero;
        span = span.Duration();
        var text = span.TotalDays >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} d {span.Hours} h")
            : span.TotalHours >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min")
                : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min");
        return negative ? "−" + text : text;
    }

    public static string Duration(TimeSpan? span) => span is { } value ? Duration(value) : "—";

    /// <summary>A deadline's length as the law states it: "10 days", "8 hours", "1 month".</summary>
    public static string Length(Policies.Deadline deadline)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        var unit = deadline.Unit switch { Policies.DeadlineUnit.Hours => "hour", Policies.DeadlineUnit.Days => "day", _ => "month" };
        return string.Create(CultureInfo.InvariantCulture, $"{deadline.Amount} {unit}{(deadline.Amount == 1 ? "" : "s")}");
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Percent(long part, long whole) =>
        whole == 0 ? "—" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Name<T>(T value) where T : struct, Enum => Wire.Name(value);

    public static string Name<T>(T? value, string none = "—") where T : struct, Enum => value is { } v ? Wire.Name(v) : none;

    public static TimeSpan? Median(List<TimeSpan> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
