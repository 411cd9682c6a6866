using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Authenticates an API call by its bearer token, asking OpenIddict's validation only for a token this node has
/// not validated yet, so that a client reusing one token for many calls pays for parsing it and verifying its RSA
/// signature once, not on every call. A valid token of a client an administrator has disabled is refused either
/// way (<see cref="DisabledClients"/>).
/// </summary>
/// <remarks>
/// Why a remembered result is as good as a fresh one:
/// <list type="bullet">
/// <item>Validation is stateless here (signed JWTs, no token or authorization entries, no introspection): its
/// outcome depends only on the token, the signing keys, the issuer and audience settings, and the time.
/// <see cref="ValidatedTokenCache"/> refuses to remember anything should that stop being true.</item>
/// <item>Keys and settings are loaded when the process starts and never change while it runs; the cache lives and
/// dies with the process.</item>
/// <item>Time is the only input that moves: every hit compares the token's own <c>exp</c> with the broker's
/// <see cref="TimeProvider"/>, so no token is accepted after it expired, whatever the cache's eviction does.</item>
/// <item>Only successes are remembered, keyed by the SHA-256 of exactly the token OpenIddict validated; a tampered
/// or unknown token is a different key and goes to OpenIddict, and a flood of bad tokens fills nothing.</item>
/// <item>Every request gets its own copy of the principal, so nothing one request does to it reaches another.</item>
/// </list>
/// Challenges and forbids are OpenIddict's (<see cref="AuthenticationSchemeOptions.ForwardChallenge"/>), and
/// everything that is not a cache hit (no token, a token in the query string, a bad or expired token) is OpenIddict's
/// answer unchanged, so 401 and 403 responses carry the same <c>WWW-Authenticate</c> header as without the cache.
/// </remarks>
internal sealed class BrokerBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ValidatedTokenCache cache,
    DisabledClients disabledClients,
    IAuthenticationHandlerProvider handlers)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";
    private const string DisabledClient =
        "The client this token was issued to is disabled, or the token was issued before the client was disabled or given a new secret.";

    /// <summary>This request's token is valid but its client is disabled: the challenge is this handler's own.</summary>
    private bool refusedAsDisabled;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken(Request);
        if (token is not null && cache.TryGet(token, out var validated))
        {
            return Disabled(validated.Principal) ?? AuthenticateResult.Success(Ticket(validated, token));
        }

        // Asked through the handler, not HttpContext.AuthenticateAsync, so that claims transformation runs once,
        // on this scheme's result, as it does on a cache hit. A miss also leaves OpenIddict's outcome in its
        // transaction, where its challenge reads the error to put into WWW-Authenticate.
        var openIddict = await handlers.GetHandlerAsync(Context, OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                         ?? throw new InvalidOperationException("OpenIddict's validation scheme is not registered.");
        var result = await openIddict.AuthenticateAsync();
        if (!result.Succeeded)
        {
            return result;
        }

        if (Disabled(result.Principal) is { } refused)
        {
            return refused;
        }

        // OpenIddict also reads tokens from the query string and form body; only remember the token it validated
        // when that is the header's, so that the key always names the token that was actually checked.
        if (token is not null && string.Equals(result.Properties.GetTokenValue(TokenName), token, StringComparison.Ordinal))
        {
            cache.Add(token, result.Principal);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, result.Properties, Scheme.Name));
    }

    /// <summary>A valid token of a client an administrator has disabled since it was issued: refused (401).</summary>
    private AuthenticateResult? Disabled(ClaimsPrincipal principal)
    {
        refusedAsDisabled = principal.FindFirst(OpenIddictConstants.Claims.Subject)?.Value is { } client
                            && disabledClients.Refuses(client, principal.GetCreationDate());
        return refusedAsDisabled ? AuthenticateResult.Fail(DisabledClient) : null;
    }

    /// <summary>
    /// OpenIddict would find nothing wrong with such a token and answer 403, so its challenge is not asked for: the
    /// answer is 401 with <c>invalid_token</c> (RFC 6750 §3.1), as for a revoked token.
    /// </summary>
    protected override string? ResolveTarget(string? scheme) => refusedAsDisabled ? null : base.ResolveTarget(scheme);

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"{DisabledClient}\"";
        return Task.CompletedTask;
    }

    /// <summary>The header token exactly as OpenIddict extracts it (it looks at the header first).</summary>
    private static string? BearerToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        return header is not null && header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) && header.Length > BearerPrefix.Length
            ? header[BearerPrefix.Length..]
            : null;
    }

    /// <summary>The ticket OpenIddict would have built, around this request's copy of the remembered principal.</summary>
    private AuthenticationTicket Ticket(ValidatedToken validated, string token)
    {
        var principal = validated.Principal;
        var properties = new AuthenticationProperties { ExpiresUtc = validated.ExpiresUtc, IssuedUtc = validated.IssuedUtc };
        properties.StoreTokens([new AuthenticationToken { Name = TokenName, Value = token }]);
        properties.SetParameter(OpenIddictValidationAspNetCoreConstants.Properties.AccessTokenPrincipal, principal);
        return new AuthenticationTicket(principal, properties, Scheme.Name);
    }

    private static string TokenName => OpenIddictValidationAspNetCoreConstants.Tokens.AccessToken;
}
