namespace EvidenceBroker.Server.Sla;

/// <summary>Bound from the "Sla" section.</summary>
public sealed class SlaOptions
{
    public const string Section = "Sla";

    /// <summary>Stop the provider's clock while a clarification is open (the order is not actionable meanwhile).</summary>
    public bool PauseDuringClarification { get; set; } = true;

    /// <summary>
    /// How often the sweep stamps the marks that have come due. Deadlines run for hours or days; a mark stamped up to
    /// this late is still on time for anyone reading it.
    /// </summary>
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromMinutes(1);
}
