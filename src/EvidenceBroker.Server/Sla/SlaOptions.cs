namespace EvidenceBroker.Server.Sla;

/// <summary>Bound from the "Sla" section.</summary>
public sealed class SlaOptions
{
    public const string Section = "Sla";

    /// <summary>Stop the provider's clock while a clarification is open (the order is not actionable meanwhile).</summary>
    public bool PauseDuringClarification { get; set; } = true;

    /// <summary>
    /// How often the sweep stamps the marks that have come due, in whole minutes from 1 to 59 (a cron schedule runs it).
    /// Deadlines run for hours or days; a mark stamped up to this late is still on time for anyone reading it.
    /// </summary>
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Null when <see cref="SweepEvery"/> is a schedule the sweep can keep; otherwise what is wrong.</summary>
    public string? SweepEveryProblem() =>
        SweepEvery.Ticks % TimeSpan.TicksPerMinute != 0 || SweepEvery < TimeSpan.FromMinutes(1) || SweepEvery > TimeSpan.FromMinutes(59)
            ? $"Sla:SweepEvery must be whole minutes from 00:01:00 to 00:59:00; it is {SweepEvery}."
            : null;
}
