namespace EvidenceBroker.Server.ReferenceData;

/// <summary>A law-enforcement or judicial authority of a country that may file requests.</summary>
public sealed class Agency
{
    public required string Id { get; init; }
    public required string Country { get; init; }
    public required string Name { get; set; }

    /// <summary>Where the agency's case system receives webhooks, if it registered one.</summary>
    public string? WebhookUrl { get; set; }
}
