namespace EvidenceBroker.Server.Portal;

/// <summary>The portal's dates are whole days: a day given as its last one ends at the next midnight (UTC).</summary>
public static class WholeDays
{
    public static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The midnight that ends <paramref name="day"/>; null for the calendar's last day, which no day follows.</summary>
    public static DateTimeOffset? End(DateOnly day) => day == DateOnly.MaxValue ? null : Start(day.AddDays(1));
}
