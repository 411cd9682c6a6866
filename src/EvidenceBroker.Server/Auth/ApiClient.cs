namespace EvidenceBroker.Server.Auth;

/// <summary>
/// The broker's record of an OAuth client (the OpenIddict application holds the secret and permissions);
/// this binds the client to its one tenant.
/// </summary>
public sealed class ApiClient
{
    public required string ClientId { get; init; }
    public required string DisplayName { get; set; }
    public required TenantKind TenantKind { get; init; }
    public required string TenantId { get; init; }
    public string? Country { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool Disabled { get; set; }

    public Tenant Tenant => new(TenantKind, TenantId, Country);
}
