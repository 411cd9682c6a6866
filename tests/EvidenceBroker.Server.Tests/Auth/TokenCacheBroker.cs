using System.Collections.Concurrent;
using System.Security.Claims;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Validation;

namespace EvidenceBroker.Server.Tests.Auth;

/// <summary>
/// The broker with two witnesses: every token OpenIddict's validation really parses and verifies (an event handler
/// at the head of its token validation), and a claims transformation that marks each request's principal, so that
/// a principal shared between requests shows up as another request's mark.
/// </summary>
public class TokenCacheBroker : BrokerFactory
{
    private const string Mark = "test_request_mark";
    private readonly ConcurrentQueue<string> validated = new();
    private readonly ConcurrentQueue<string> foreignMarks = new();
    private readonly ConcurrentQueue<(string Authorization, string IdentityType)> identityTypes = new();

    /// <summary>Short-lived tokens, remembered for longer than they live: only their own expiry ends them.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(3);

    protected virtual TimeSpan CacheLifetime => TimeSpan.FromMinutes(5);

    protected virtual bool TokenEntryValidation => false;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Auth:AccessTokenLifetime", TokenLifetime.ToString()),
        new("Auth:ValidatedTokenCacheLifetime", CacheLifetime.ToString()),
    ];

    /// <summary>How often OpenIddict has validated exactly this token.</summary>
    public int ValidationsOf(string token) => validated.Count(t => t == token);

    /// <summary>
    /// Lists requests twice with one fresh token, doing <paramref name="between"/> in between; the two statuses and
    /// how often the token was validated.
    /// </summary>
    public async Task<(System.Net.HttpStatusCode First, System.Net.HttpStatusCode Second, int Validations)> TwoCallsAsync(Action between)
    {
        var token = await NewTokenAsync("met-case-system");
        using var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var first = await client.GetAsync("/api/v1/requests");
        between();
        using var second = await client.GetAsync("/api/v1/requests");
        return (first.StatusCode, second.StatusCode, ValidationsOf(token));
    }

    /// <summary>Marks of other requests found on a request's principal; empty while no principal is shared.</summary>
    public IReadOnlyCollection<string> ForeignMarks => foreignMarks;

    /// <summary>The identity type of each request's principal that carried this token, in order.</summary>
    public IReadOnlyList<string> IdentityTypesWith(string token) =>
        identityTypes.Where(seen => seen.Authorization == $"Bearer {token}").Select(seen => seen.IdentityType).ToList();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.AddOpenIddict().AddValidation(validation =>
            {
                validation.AddEventHandler<OpenIddictValidationEvents.ValidateTokenContext>(handler => handler
                    .UseInlineHandler(context =>
                    {
                        validated.Enqueue(context.Token ?? "");
                        return default;
                    })
                    .SetOrder(int.MinValue));
                if (TokenEntryValidation)
                {
                    validation.EnableTokenEntryValidation();
                }
            });

            services.AddHttpContextAccessor();
            services.AddSingleton<IClaimsTransformation>(provider =>
                new MarkingTransformation(provider.GetRequiredService<IHttpContextAccessor>(), foreignMarks, identityTypes));
        });
    }

    private sealed class MarkingTransformation(
        IHttpContextAccessor http, ConcurrentQueue<string> foreign, ConcurrentQueue<(string, string)> identityTypes)
        : IClaimsTransformation
    {
        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            // ASP.NET Core may transform one request's principal more than once; only other requests' marks count.
            var context = http.HttpContext ?? throw new InvalidOperationException("No request.");
            if (context.Items[Mark] is not string mine)
            {
                context.Items[Mark] = mine = Guid.NewGuid().ToString();
                identityTypes.Enqueue((context.Request.Headers.Authorization.ToString(), principal.Identity?.GetType().FullName ?? "none"));
            }

            foreach (var claim in principal.FindAll(Mark).Where(c => c.Value != mine))
            {
                foreign.Enqueue(claim.Value);
            }

            if (principal.Identity is ClaimsIdentity { IsAuthenticated: true } identity && !principal.HasClaim(Mark, mine))
            {
                identity.AddClaim(new Claim(Mark, mine));
            }

            return Task.FromResult(principal);
        }
    }
}

/// <summary>Tokens that live longer than the cache remembers them.</summary>
public sealed class ShortCacheBroker : TokenCacheBroker
{
    public static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);

    protected override TimeSpan CacheLifetime => Remembered;
}

/// <summary>Validation that checks each token's database entry, i.e. depends on more than the token.</summary>
public sealed class TokenEntryBroker : TokenCacheBroker
{
    protected override bool TokenEntryValidation => true;
}
