using System.Security.Claims;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Auth;

/// <summary>The authenticated caller of one HTTP request: who, for which tenant, allowed what.</summary>
public sealed record Caller(string Subject, string DisplayName, Tenant Tenant, ClaimsPrincipal Principal)
{
    public bool Can(string scope) => Principal.HasScope(scope);

    /// <summary>Returns null for principals that carry no tenant (which the authorisation policies refuse first).</summary>
    public static Caller? From(ClaimsPrincipal principal)
    {
        var tenant = BrokerClaims.ReadTenant(principal);
        var subject = principal.FindFirst(OpenIddictConstants.Claims.Subject)?.Value
                      ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (tenant is null || subject is null)
        {
            return null;
        }

        var name = principal.FindFirst(OpenIddictConstants.Claims.Name)?.Value ?? principal.Identity?.Name ?? subject;
        return new Caller(subject, name, tenant, principal);
    }

    public string Role => Tenant.Kind switch
    {
        TenantKind.Agency => "officer",
        TenantKind.Provider => "provider",
        TenantKind.Oversight => "oversight",
        _ => "administrator",
    };
}
