using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using EvidenceBroker.Server.Audit;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Access tokens this node has validated, by the SHA-256 of the token, each with the principal OpenIddict made
/// of it, until the token's own expiry or <see cref="AuthOptions.ValidatedTokenCacheLifetime"/>, whichever comes
/// first. Keys are hashes so that a heap dump or a cache listing holds no bearer token anyone could replay.
/// </summary>
internal sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache entries;
    private readonly TimeProvider clock;
    private readonly TimeSpan maxLifetime;
    private readonly bool enabled;

    public ValidatedTokenCache(IOptions<AuthOptions> options, IOptions<OpenIddictValidationOptions> validation, TimeProvider clock)
    {
        this.clock = clock;
        maxLifetime = options.Value.ValidatedTokenCacheLifetime;
        entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.ValidatedTokenCacheSize });

        // Remembering a result is only sound while validation reads nothing but the token, the keys and the clock.
        // Token or authorization entries (revocation) and introspection make it depend on state that changes
        // while a token lives; should anyone turn them on, every call goes back to OpenIddict.
        var settings = validation.Value;
        enabled = maxLifetime > TimeSpan.Zero
                  && settings.ValidationType == OpenIddictValidationType.Direct
                  && !settings.EnableTokenEntryValidation
                  && !settings.EnableAuthorizationEntryValidation;
    }

    /// <summary>
    /// The remembered validation of <paramref name="token"/>, if it is still valid now, with a principal of the
    /// caller's own.
    /// </summary>
    public bool TryGet(string token, [NotNullWhen(true)] out ValidatedToken? validated)
    {
        validated = null;
        if (!enabled)
        {
            return false;
        }

        var key = KeyOf(token);
        if (!entries.TryGetValue(key, out ValidatedToken? entry) || entry is null)
        {
            return false;
        }

        // The memory cache expires entries on the system clock and only when it gets round to it; the token's
        // validity is decided here, on the broker's clock, at every use.
        if (clock.GetUtcNow() >= entry.ValidUntil)
        {
            entries.Remove(key);
            return false;
        }

        // Add only keeps principals that can be copied.
        validated = entry with { Principal = Copy(entry.Principal) ?? throw new UnreachableException() };
        return true;
    }

    /// <summary>Remembers a principal OpenIddict has just produced from <paramref name="token"/>.</summary>
    public void Add(string token, ClaimsPrincipal principal)
    {
        if (!enabled || principal.GetExpirationDate() is not { } expires)
        {
            // A token without an expiry would be valid for ever; such a token is left to OpenIddict every time.
            return;
        }

        // A token bound to a client certificate (RFC 8705 "cnf") is only valid over a connection presenting that
        // certificate, which the token alone does not show.
        if (principal.HasClaim(claim => claim.Type == OpenIddictConstants.Claims.Confirmation))
        {
            return;
        }

        var now = clock.GetUtcNow();
        var until = expires < now + maxLifetime ? expires : now + maxLifetime;
        if (until <= now)
        {
            return;
        }

        // A private copy: the request that produced the principal keeps its own and may change it.
        if (Copy(principal) is not { } copy)
        {
            return;
        }

        var entry = new ValidatedToken(copy, until, expires, principal.GetCreationDate());

        // Relative, not absolute: the memory cache runs on the system clock, which need not be the broker's.
        // When the cache is full the entry is simply not kept, and the token is validated again next time.
        entries.Set(KeyOf(token), entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = until - now });
    }

    public void Dispose() => entries.Dispose();

    /// <summary>
    /// A principal of its own: each identity's own copy, claims included; null when an identity's copy would be of
    /// another type (and lose its behaviour, such as IdentityModel's case-sensitive claim matching), and such a
    /// principal is not remembered. <see cref="ClaimsPrincipal.Clone"/> is not enough: it shares the identities, so
    /// a claim one request adds (a claims transformation) would reach every later one.
    /// </summary>
    private static ClaimsPrincipal? Copy(ClaimsPrincipal principal)
    {
        if (principal.GetType() != typeof(ClaimsPrincipal))
        {
            return null;
        }

        var identities = new List<ClaimsIdentity>(capacity: 1);
        foreach (var identity in principal.Identities)
        {
            var copy = identity.Clone();
            if (copy.GetType() != identity.GetType())
            {
                return null;
            }

            identities.Add(copy);
        }

        return new ClaimsPrincipal(identities);
    }

    private static string KeyOf(string token) => AuditHashing.Sha256Hex(token);
}

/// <summary>One remembered validation; the cache keeps its principal to itself and hands out copies.</summary>
internal sealed record ValidatedToken(ClaimsPrincipal Principal, DateTimeOffset ValidUntil, DateTimeOffset ExpiresUtc, DateTimeOffset? IssuedUtc);
