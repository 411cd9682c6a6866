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

    /// <summary>
    /// Access tokens issued before this instant are refused: set when the client is disabled and when it is given a new
    /// secret, and kept when it is enabled again, so that enabling it does not bring back a token a leaked secret got.
    /// </summary>
    public DateTimeOffset? TokensValidFrom { get; set; }

    /// <summary>
    /// The instant for <see cref="TokensValidFrom"/> at <paramref name="now"/>: the next whole second, as a token's issue
    /// time is in whole seconds, so that a token issued earlier in the same second (with the leaked secret) is refused
    /// too. Nobody holds the new secret that soon: it is shown only once the change is committed.
    /// </summary>
    public static DateTimeOffset TokensValidFromAt(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond, TimeSpan.Zero);

    public Tenant Tenant => new(TenantKind, TenantId, Country);
}
