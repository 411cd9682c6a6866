using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Auth;

/// <summary>
/// Three requests of agency A (Met) to provider X (Northwind), created once for the matrix: one routed directly, one the
/// engine sent to human review (a press flag, R8), which the provider does not see until a reviewer releases it, and
/// one the review desk has released.
/// </summary>
public sealed class MatrixFixture : IAsyncLifetime
{
    public BrokerFactory Broker { get; } = new();
    public Guid RequestOfAgencyA { get; private set; }
    public Guid RequestInReview { get; private set; }
    public Guid RequestReviewed { get; private set; }

    public async Task InitializeAsync()
    {
        RequestOfAgencyA = await FileAsync(SampleRequests.MetToNorthwindSubscriber(), "routed-to-provider");
        RequestInReview = await FileAsync(SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")), "awaiting-human-review");
        RequestReviewed = await FileAsync(SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")), "awaiting-human-review");
        using var desk = await Broker.ClientAsync("broker-review-desk");
        using var approved = await desk.PostJsonAsync($"/api/v1/requests/{RequestReviewed}/review", new { decision = "direct", text = "No source is sought." });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
    }

    private async Task<Guid> FileAsync(JsonObject request, string expectedState)
    {
        using var officer = await Broker.ClientAsync("met-case-system");
        using var response = await officer.PostJsonAsync("/api/v1/requests", request);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        Assert.Equal(expectedState, body.GetProperty("state").GetString());
        return body.GetProperty("id").GetGuid();
    }

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>
/// Every endpoint × every kind of caller → the expected status. 404 (not 403) for another tenant's request, so
/// that existence does not leak; 403 where the caller's role can never use the endpoint.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixFixture fixture) : IClassFixture<MatrixFixture>
{
    // Callers: anonymous, officer of agency A, officer of agency B, provider X (addressee), provider Y, oversight,
    // administrator, review desk. {A} is routed to X; {R} waits for a reviewer; {D} was released to X by the review desk.
    private static readonly string?[] Callers =
        [null, "met-case-system", "bka-case-system", "northwind-legal", "emerald-legal", "ipco-oversight", "broker-admin", "broker-review-desk"];

    public static TheoryData<string, string, int[]> Matrix => new()
    {
        //                                                     anon  A    B    X    Y    oversight admin review
        { "GET", "/api/v1/requests/{A}",                       [401, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{R}",                       [401, 200, 404, 404, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{A}/decision",              [401, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{R}/decision",              [401, 200, 404, 404, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{D}",                       [401, 200, 404, 200, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{D}/dossier.pdf",           [401, 200, 404, 200, 404, 200, 404, 200] },
        { "GET", "/api/v1/requests/{A}/timeline",              [401, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{R}/timeline",              [401, 200, 404, 404, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{A}/productions",           [401, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{A}/dossier.pdf",           [401, 200, 404, 200, 404, 200, 404, 404] },
        { "GET", "/api/v1/requests/{R}/dossier.pdf",           [401, 200, 404, 404, 404, 200, 404, 200] },
        { "GET", "/api/v1/exports/requests/{R}/mlat-draft.pdf", [401, 200, 404, 404, 404, 200, 404, 200] },
        { "GET", "/api/v1/requests/{missing}",                 [401, 404, 404, 404, 404, 404, 403, 404] },
        { "GET", "/api/v1/requests",                           [401, 200, 200, 200, 200, 200, 403, 200] },
        { "POST", "/api/v1/requests",                          [401, 201, 403, 403, 403, 403, 403, 403] },
        { "POST", "/api/v1/policy/evaluate",                   [401, 200, 200, 403, 403, 200, 200, 403] },
        { "GET", "/api/v1/providers",                          [401, 200, 200, 200, 200, 200, 200, 200] },
        { "GET", "/api/v1/agencies",                           [401, 200, 200, 200, 200, 200, 200, 200] },
        { "GET", "/api/v1/countries",                          [401, 200, 200, 200, 200, 200, 200, 200] },
        { "GET", "/api/v1/policy/versions",                    [401, 403, 403, 403, 403, 200, 200, 403] },
        { "GET", "/api/v1/policy/suspensions",                 [401, 403, 403, 403, 403, 200, 200, 403] },
        { "POST", "/api/v1/policy/suspensions",                [401, 403, 403, 403, 403, 403, 204, 403] },
        { "DELETE", "/api/v1/policy/suspensions/JP",           [401, 403, 403, 403, 403, 403, 204, 403] },
        { "POST", "/api/v1/policy/versions/sha256:none/activate", [401, 403, 403, 403, 403, 403, 404, 403] },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_caller_gets_the_expected_status(string method, string template, int[] expected)
    {
        var url = template.Replace("{A}", fixture.RequestOfAgencyA.ToString(), StringComparison.Ordinal)
            .Replace("{R}", fixture.RequestInReview.ToString(), StringComparison.Ordinal)
            .Replace("{D}", fixture.RequestReviewed.ToString(), StringComparison.Ordinal)
            .Replace("{missing}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        var mismatches = new List<string>();
        for (var i = 0; i < Callers.Length; i++)
        {
            using var client = await fixture.Broker.ClientAsync(Callers[i]);
            using var message = new HttpRequestMessage(new HttpMethod(method), url) { Content = BodyFor(method, url) };
            if (method == "DELETE" && Callers[i] == "broker-admin")
            {
                // Something to lift: the admin suspends first (its own POST row proves that works).
                using var suspend = await client.PostJsonAsync("/api/v1/policy/suspensions", new { country = "JP", reason = "matrix test" });
            }

            using var response = await client.SendAsync(message);
            if ((int)response.StatusCode != expected[i])
            {
                mismatches.Add($"{Callers[i] ?? "anonymous"}: expected {expected[i]}, got {(int)response.StatusCode}");
            }
            else if (response.StatusCode == HttpStatusCode.NotFound && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                mismatches.Add($"{Callers[i]}: 404 as {response.Content.Headers.ContentType?.MediaType}, not problem details");
            }

            if (response.IsSuccessStatusCode && url == "/api/v1/policy/suspensions" && method == "POST")
            {
                using var lift = await client.DeleteAsync("/api/v1/policy/suspensions/JP");
            }
        }

        Assert.True(mismatches.Count == 0, $"{method} {template}: {string.Join("; ", mismatches)}");
    }

    [Fact]
    public async Task Listings_never_show_another_tenants_request()
    {
        foreach (var (caller, seesRouted, seesInReview) in new[]
                 {
                     ("met-case-system", true, true), ("bka-case-system", false, false), ("northwind-legal", true, false),
                     ("emerald-legal", false, false), ("ipco-oversight", true, true), ("broker-review-desk", false, true),
                 })
        {
            using var client = await fixture.Broker.ClientAsync(caller);
            var page = await (await client.GetAsync("/api/v1/requests?pageSize=100")).JsonAsync();
            var ids = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
            Assert.True(seesRouted == ids.Contains(fixture.RequestOfAgencyA), $"{caller} sees the routed request: {!seesRouted}");
            Assert.True(seesInReview == ids.Contains(fixture.RequestInReview), $"{caller} sees the request in review: {!seesInReview}");
        }
    }

    [Fact]
    public async Task An_administrator_who_also_holds_the_review_scope_reads_no_request()
    {
        var both = Infrastructure.Callers.Holding("admin-and-desk", "Both", new Tenant(TenantKind.Administration, "broker"), BrokerScopes.Admin, BrokerScopes.RequestsReview);

        var visible = await fixture.Broker.WithDbAsync(db => db.RequestsVisibleTo(both).CountAsync());

        Assert.Equal(0, visible);
        Assert.Equal("administrator", both.Role);
    }

    private static StringContent? BodyFor(string method, string url)
    {
        if (method != "POST")
        {
            return null;
        }

        JsonNode body = url switch
        {
            "/api/v1/policy/suspensions" => new JsonObject { ["country"] = "JP", ["reason"] = "matrix test" },
            _ when url.EndsWith("/activate", StringComparison.Ordinal) => new JsonObject(),
            _ => SampleRequests.MetToNorthwindSubscriber(),
        };
        return new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
    }
}
