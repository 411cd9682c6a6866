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

    /// <summary>
    /// The role the audit trail and notes record: within an agency, a supervisor is told from an officer, and within
    /// the administration, a reviewer (the review desk) from an administrator, by the scopes the caller holds.
    /// </summary>
    public string Role => Tenant.Kind switch
    {
        TenantKind.Agency => Can(BrokerScopes.RequestsSupervise) ? "supervisor" : "officer",
        TenantKind.Provider => "provider",
        TenantKind.Oversight => "oversight",
        _ => !Can(BrokerScopes.Admin) && Can(BrokerScopes.RequestsReview) ? "reviewer" : "administrator",
    };
}
