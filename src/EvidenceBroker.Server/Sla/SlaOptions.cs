namespace EvidenceBroker.Server.Sla;

/// <summary>Bound from the "Sla" section.</summary>
public sealed class SlaOptions
{
    public const string Section = "Sla";

    /// <summary>Stop the provider's clock while a clarification is open (the order is not actionable meanwhile).</summary>
    public bool PauseDuringClarification { get; set; } = true;

    /// <summary>How often a sweep looks for marks that a lost job should have handled (crash between commit and schedule).</summary>
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromMinutes(1);
}
