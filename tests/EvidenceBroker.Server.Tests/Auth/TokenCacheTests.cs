using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Auth;

/// <summary>
/// The cache of validated access tokens: a token is parsed and verified once per node, and yet nothing that
/// OpenIddict's validation would refuse gets in, and refusals look exactly as they did without the cache.
/// </summary>
public sealed class TokenCacheTests(TokenCacheBroker broker) : IClassFixture<TokenCacheBroker>
{
    // OpenIddict's challenges as clients saw them before the cache; they must not change.
    private const string InvalidTokenChallenge =
        "Bearer error=\"invalid_token\", error_description=\"The specified token is invalid.\", error_uri=\"https://documentation.openiddict.com/errors/ID2004\"";
    private const string BadSignatureChallenge =
        "Bearer error=\"invalid_token\", error_description=\"The signature associated to the specified token is not valid.\", error_uri=\"https://documentation.openiddict.com/errors/ID2091\"";
    private const string ExpiredChallenge =
        "Bearer error=\"invalid_token\", error_description=\"The specified token is no longer valid.\", error_uri=\"https://documentation.openiddict.com/errors/ID2019\"";
    private const string InsufficientAccessChallenge =
        "Bearer error=\"insufficient_access\", error_description=\"The user represented by the token is not allowed to perform the requested action.\", error_uri=\"https://documentation.openiddict.com/errors/ID2095\"";

    [Fact]
    public async Task A_token_used_twice_is_verified_once()
    {
        var token = await broker.NewTokenAsync("met-case-system");

        await ListAsync(token, HttpStatusCode.OK);
        await ListAsync(token, HttpStatusCode.OK);

        Assert.Equal(1, broker.ValidationsOf(token));
    }

    [Fact]
    public async Task A_tampered_token_is_refused_for_its_signature_after_the_genuine_one_was_remembered()
    {
        var token = await broker.NewTokenAsync("met-case-system");
        await ListAsync(token, HttpStatusCode.OK);

        using var response = await ListAsync(Tampered(token), HttpStatusCode.Unauthorized);

        Assert.Equal(BadSignatureChallenge, Challenge(response));
    }

    [Fact]
    public async Task A_remembered_token_is_refused_as_expired_once_its_lifetime_is_over()
    {
        var token = await broker.NewTokenAsync("met-case-system");
        await ListAsync(token, HttpStatusCode.OK);
        broker.Clock.Advance(TokenCacheBroker.TokenLifetime + TimeSpan.FromSeconds(1));

        using var response = await ListAsync(token, HttpStatusCode.Unauthorized);

        Assert.Equal(ExpiredChallenge, Challenge(response));
    }

    [Fact]
    public async Task A_call_without_a_token_is_challenged_with_a_bare_Bearer()
    {
        using var response = await ListAsync(null, HttpStatusCode.Unauthorized);

        Assert.Equal("Bearer", Challenge(response));
    }

    [Fact]
    public async Task A_garbage_token_is_challenged_as_invalid()
    {
        using var response = await ListAsync("not-a-token", HttpStatusCode.Unauthorized);

        Assert.Equal(InvalidTokenChallenge, Challenge(response));
    }

    [Fact]
    public async Task A_remembered_token_without_the_scope_is_forbidden_with_OpenIddicts_challenge()
    {
        var provider = await broker.NewTokenAsync("northwind-legal");
        await ListAsync(provider, HttpStatusCode.OK);

        using var client = ClientWith(provider);
        using var body = new StringContent(SampleRequests.MetToNorthwindSubscriber().ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/api/v1/requests", body);

        Assert.Equal(
            (HttpStatusCode.Forbidden, InsufficientAccessChallenge, 1),
            (response.StatusCode, Challenge(response), broker.ValidationsOf(provider)));
    }

    [Fact]
    public async Task Requests_sharing_a_token_never_share_its_principal()
    {
        var token = await broker.NewTokenAsync("met-case-system");

        for (var i = 0; i < 3; i++)
        {
            await ListAsync(token, HttpStatusCode.OK);
        }

        Assert.Empty(broker.ForeignMarks);
    }

    [Fact]
    public async Task A_remembered_principal_has_the_identity_type_OpenIddict_made_it_with()
    {
        // IdentityModel's case-sensitive identity; a plain copy would match claim types case-insensitively.
        var token = await broker.NewTokenAsync("met-case-system");

        await ListAsync(token, HttpStatusCode.OK);
        await ListAsync(token, HttpStatusCode.OK);

        var types = broker.IdentityTypesWith(token);
        Assert.Equal([types[0], types[0]], types);
    }

    private async Task<HttpResponseMessage> ListAsync(string? token, HttpStatusCode expected)
    {
        using var client = ClientWith(token);
        var response = await client.GetAsync("/api/v1/requests");
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {Challenge(response)}\n{broker.ServerErrors}");
        return response;
    }

    private HttpClient ClientWith(string? token)
    {
        var client = broker.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static string Challenge(HttpResponseMessage response) => string.Join(" | ", response.Headers.WwwAuthenticate);

    /// <summary>One character in the middle of the signature changed (the last one may only carry padding bits).</summary>
    private static string Tampered(string token)
    {
        var signatureStart = token.LastIndexOf('.') + 1;
        var characters = token.ToCharArray();
        var at = signatureStart + 10;
        characters[at] = characters[at] == 'A' ? 'B' : 'A';
        return new string(characters);
    }
}

/// <summary>The cache's own lifetime, shorter than the token's: afterwards the token is verified afresh.</summary>
public sealed class TokenCacheLifetimeTests(ShortCacheBroker broker) : IClassFixture<ShortCacheBroker>
{
    [Fact]
    public async Task A_token_is_verified_again_once_the_cache_has_held_it_for_its_lifetime()
    {
        var calls = await broker.TwoCallsAsync(() => broker.Clock.Advance(ShortCacheBroker.Remembered + TimeSpan.FromSeconds(1)));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, 2), calls);
    }
}

/// <summary>With revocation checks (token entries) validation reads the database, so nothing may be remembered.</summary>
public sealed class TokenCacheWithTokenEntriesTests(TokenEntryBroker broker) : IClassFixture<TokenEntryBroker>
{
    [Fact]
    public async Task Every_call_is_verified_when_validation_checks_token_entries()
    {
        var calls = await broker.TwoCallsAsync(() => { });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, 2), calls);
    }
}
