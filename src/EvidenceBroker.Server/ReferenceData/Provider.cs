namespace EvidenceBroker.Server.ReferenceData;

/// <summary>A service provider that receives requests. Its jurisdiction decides which channels exist.</summary>
public sealed class Provider
{
    public required string Id { get; init; }
    public required string Name { get; set; }

    /// <summary>ISO 3166-1 alpha-2 of where the provider, or its legal representative, is established.</summary>
    public required string Jurisdiction { get; set; }

    public string? WebhookUrl { get; set; }
}
