using System.Text.Json.Serialization;

namespace EvidenceBroker.Server.Auth;

/// <summary>Who a caller acts for. Every API client and portal user is bound to exactly one tenant.</summary>
public enum TenantKind
{
    [JsonStringEnumMemberName("agency")] Agency,
    [JsonStringEnumMemberName("provider")] Provider,
    [JsonStringEnumMemberName("oversight")] Oversight,
    [JsonStringEnumMemberName("administration")] Administration,
}

/// <summary>
/// The tenant a caller belongs to. An agency tenant carries its country and agency id, a provider tenant its
/// provider id, an oversight tenant the body's id.
/// </summary>
public sealed record Tenant(TenantKind Kind, string Id, string? Country = null)
{
    public static Tenant Agency(string country, string agencyId) => new(TenantKind.Agency, agencyId, country);
    public static Tenant Provider(string providerId) => new(TenantKind.Provider, providerId);
    public static Tenant Oversight(string bodyId) => new(TenantKind.Oversight, bodyId);
    public static Tenant Administration(string id) => new(TenantKind.Administration, id);

    public override string ToString() => Country is null ? $"{Kind}:{Id}" : $"{Kind}:{Country}/{Id}";
}
