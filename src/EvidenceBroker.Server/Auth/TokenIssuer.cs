using System.Security.Claims;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// The token endpoint's own step (OpenIddict has already authenticated the client): build the identity the
/// access token will carry, bound to the client's one tenant and limited to the scopes that tenant may hold.
/// </summary>
public sealed class TokenIssuer(BrokerDbContext db, IOpenIddictApplicationManager applications)
{
    public async Task<IResult> IssueAsync(HttpContext http, CancellationToken ct)
    {
        var request = http.GetOpenIddictServerRequest()
                      ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (!request.IsClientCredentialsGrantType())
        {
            return Refuse(OpenIddictConstants.Errors.UnsupportedGrantType, "Only the client credentials grant is supported.");
        }

        var client = await db.ApiClients.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == request.ClientId, ct);
        if (client is null || client.Disabled)
        {
            return Refuse(OpenIddictConstants.Errors.InvalidClient, "The client is not registered with a tenant, or is disabled.");
        }

        // What this client was registered with, never more than its tenant kind may hold.
        var application = await applications.FindByClientIdAsync(client.ClientId, ct);
        var permissions = application is null ? [] : await applications.GetPermissionsAsync(application, ct);
        var allowed = BrokerScopes.AllowedFor(client.TenantKind)
            .Where(scope => permissions.Contains(Permissions.Prefixes.Scope + scope))
            .ToList();
        var requested = request.GetScopes();
        var granted = requested.IsDefaultOrEmpty ? allowed : requested.Intersect(allowed, StringComparer.Ordinal).ToList();
        if (!requested.IsDefaultOrEmpty && granted.Count != requested.Length)
        {
            return Refuse(OpenIddictConstants.Errors.InvalidScope, "The client's tenant may not hold one of the requested scopes.");
        }

        var identity = new ClaimsIdentity(
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, client.ClientId);
        identity.SetClaim(Claims.Name, client.DisplayName);
        identity.AddClaims(BrokerClaims.For(client.Tenant));
        identity.SetScopes(granted);
        identity.SetDestinations(static _ => [Destinations.AccessToken]);

        return Results.SignIn(new ClaimsPrincipal(identity), properties: null,
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(
            new Microsoft.AspNetCore.Authentication.AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}

public static class TokenEndpoint
{
    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenServerPaths.Token, (HttpContext http, TokenIssuer issuer, CancellationToken ct) => issuer.IssueAsync(http, ct))
            .ExcludeFromDescription()
            .DisableAntiforgery();
        return app;
    }
}
