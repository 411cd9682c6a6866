using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
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
    /// The remembered validation of <paramref name="token"/>, if it is still valid now. The caller gets the shared
    /// principal and must clone it before handing it to a request.
    /// </summary>
    public bool TryGet(string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ValidatedToken? validated)
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

        validated = entry;
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
        var entry = new ValidatedToken(principal.Clone(), until, expires, principal.GetCreationDate());

        // Relative, not absolute: the memory cache runs on the system clock, which need not be the broker's.
        // When the cache is full the entry is simply not kept, and the token is validated again next time.
        entries.Set(KeyOf(token), entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = until - now });
    }

    public void Dispose() => entries.Dispose();

    private static string KeyOf(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        return Convert.ToHexString(hash);
    }
}

/// <summary>One remembered validation; <see cref="Principal"/> is shared and never handed out as it is.</summary>
internal sealed record ValidatedToken(ClaimsPrincipal Principal, DateTimeOffset ValidUntil, DateTimeOffset ExpiresUtc, DateTimeOffset? IssuedUtc);
