using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Portal roles and the claims a signed-in portal user carries: the same tenant claims and scopes an API token
/// of that tenant would carry, so <see cref="Caller.From"/> and the tenant-scoped queries work unchanged.
/// </summary>
public static class PortalRoles
{
    public const string Officer = "officer";
    public const string Supervisor = "supervisor";
    public const string ProviderLegal = "provider-legal";
    public const string Reviewer = "reviewer";
    public const string Oversight = "oversight";
    public const string Administrator = "administrator";

    /// <summary>The portal role a user holds, as a claim (the API's tokens never carry it).</summary>
    public const string RoleClaim = "portal_role";

    /// <summary>Marks a supervisor of an agency: may confirm or refuse the agency's emergency requests.</summary>
    public const string SupervisorClaim = "supervisor";

    /// <summary>Marks a broker legal reviewer: may decide requests sent to human review.</summary>
    public const string ReviewerClaim = "reviewer";

    public static IReadOnlyList<string> All { get; } = [Officer, Supervisor, ProviderLegal, Reviewer, Oversight, Administrator];

    public static IReadOnlyList<string> ScopesFor(string role) => role switch
    {
        Officer => [BrokerScopes.RequestsWrite, BrokerScopes.RequestsRead],
        Supervisor => [BrokerScopes.RequestsWrite, BrokerScopes.RequestsRead, BrokerScopes.RequestsSupervise],
        ProviderLegal => [BrokerScopes.ProviderRespond, BrokerScopes.RequestsRead],
        Reviewer => [BrokerScopes.RequestsReview],
        Oversight => [BrokerScopes.OversightRead],
        Administrator => [BrokerScopes.Admin],
        _ => [],
    };

    /// <summary>The tenant kind a role belongs to; a user whose tenant does not fit its role gets no scopes.</summary>
    public static TenantKind? TenantKindFor(string role) => role switch
    {
        Officer or Supervisor => TenantKind.Agency,
        ProviderLegal => TenantKind.Provider,
        Oversight => TenantKind.Oversight,
        Reviewer or Administrator => TenantKind.Administration,
        _ => null,
    };
}

/// <summary>Builds the cookie principal of a portal user (also re-run by the security stamp validator).</summary>
public sealed class PortalClaimsFactory(UserManager<PortalUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<PortalUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Subject, user.Id));
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Name, user.DisplayName));
        identity.AddClaims(BrokerClaims.For(user.Tenant));
        identity.AddClaim(new Claim(PortalRoles.RoleClaim, user.Role));

        // A role that does not match the user's tenant kind grants nothing rather than something surprising.
        if (PortalRoles.TenantKindFor(user.Role) != user.TenantKind)
        {
            return identity;
        }

        foreach (var scope in PortalRoles.ScopesFor(user.Role))
        {
            identity.AddClaim(new Claim(OpenIddictConstants.Claims.Scope, scope));
        }

        if (user.Role == PortalRoles.Supervisor)
        {
            identity.AddClaim(new Claim(PortalRoles.SupervisorClaim, "true"));
        }

        if (user.Role == PortalRoles.Reviewer)
        {
            identity.AddClaim(new Claim(PortalRoles.ReviewerClaim, "true"));
        }

        return identity;
    }
}
