namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// Dates given as whole days, in UTC: a day given as a period's last one ends at the next midnight. The portal's
/// request form and searches and the reports' periods all read days this way.
/// </summary>
public static class WholeDays
{
    public static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The midnight that ends <paramref name="day"/>; null for the calendar's last day, which no day follows.</summary>
    public static DateTimeOffset? End(DateOnly day) => day == DateOnly.MaxValue ? null : Start(day.AddDays(1));
}
