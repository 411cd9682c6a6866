using System.Security.Claims;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Auth;

/// <summary>Claim types the broker issues, and reading a caller back from them.</summary>
public static class BrokerClaims
{
    public const string TenantKind = "tenant_kind";
    public const string TenantId = "tenant_id";
    public const string Country = "country";

    public static IEnumerable<Claim> For(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        yield return new Claim(TenantKind, tenant.Kind.ToString());
        yield return new Claim(TenantId, tenant.Id);
        if (tenant.Country is not null)
        {
            yield return new Claim(Country, tenant.Country);
        }
    }

    public static Tenant? ReadTenant(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var kind = principal.FindFirst(TenantKind)?.Value;
        var id = principal.FindFirst(TenantId)?.Value;
        if (kind is null || id is null || !Enum.TryParse<TenantKind>(kind, out var parsed))
        {
            return null;
        }

        return new Tenant(parsed, id, principal.FindFirst(Country)?.Value);
    }

    public static bool HasScope(this ClaimsPrincipal principal, string scope) =>
        principal.HasClaim(OpenIddictConstants.Claims.Private.Scope, scope)
        || principal.HasClaim(OpenIddictConstants.Claims.Scope, scope);
}
