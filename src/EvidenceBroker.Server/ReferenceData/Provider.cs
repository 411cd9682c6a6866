namespace EvidenceBroker.Server.ReferenceData;

/// <summary>A service provider that receives requests. Its jurisdiction decides which channels exist.</summary>
public sealed class Provider
{
    public required string Id { get; init; }
    public required string Name { get; set; }

    /// <summary>
    /// ISO 3166-1 alpha-2 of where the provider, or its legal representative, is established. Fixed at registration
    /// (a provider that moves is registered anew), which lets <see cref="ProviderJurisdictions"/> remember it.
    /// </summary>
    public required string Jurisdiction { get; init; }

    public string? WebhookUrl { get; set; }
}
