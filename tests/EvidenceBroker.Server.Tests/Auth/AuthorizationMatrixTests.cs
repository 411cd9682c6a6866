using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Auth;

/// <summary>
/// What the matrix acts on, created once: three requests of agency A (Met) to provider X (Northwind) — one routed
/// directly, one the engine sent to human review (a press flag, R8), which the provider does not see until a reviewer
/// releases it, and one the review desk has released — and, for the writes, subjects on which a caller who is let
/// through gets a definite answer that changes nothing another row reads: a closed request {C} (reviewed, released,
/// produced, closed), on which no step of the lifecycle can be taken, with its production {P}; a request {M} the review
/// desk sent to MLAT, whose draft was sent and executed, so that it is closed; oversight's transparency report {J},
/// built; an outbox message {O} that is not a dead letter; and the active policy version {V}.
/// </summary>
public sealed class MatrixFixture : IAsyncLifetime
{
    public BrokerFactory Broker { get; } = new();
    public Guid RequestOfAgencyA { get; private set; }
    public Guid RequestInReview { get; private set; }
    public Guid RequestReviewed { get; private set; }
    public Guid RequestClosed { get; private set; }
    public Guid ProductionOfClosed { get; private set; }
    public Guid RequestWithClosedMlat { get; private set; }
    public Guid ExportJob { get; private set; }
    public Guid OutboxMessage { get; private set; }
    public string ActivePolicyVersion { get; private set; } = "";

    public async Task InitializeAsync()
    {
        RequestOfAgencyA = await FileAsync(SampleRequests.MetToNorthwindSubscriber(), "routed-to-provider");
        RequestInReview = await FileAsync(Press(), "awaiting-human-review");
        RequestReviewed = await FileAsync(Press(), "awaiting-human-review");
        RequestClosed = await FileAsync(Press(), "awaiting-human-review");
        RequestWithClosedMlat = await FileAsync(Press(), "awaiting-human-review");
        using var desk = await Broker.ClientAsync("broker-review-desk");
        using var officer = await Broker.ClientAsync("met-case-system");
        using var provider = await Broker.ClientAsync("northwind-legal");
        using var oversight = await Broker.ClientAsync("ipco-oversight");

        var direct = new { decision = "direct", text = "No source is sought." };
        await ExpectAsync(HttpStatusCode.OK, desk.PostJsonAsync($"/api/v1/requests/{RequestReviewed}/review", direct));

        await ExpectAsync(HttpStatusCode.OK, desk.PostJsonAsync($"/api/v1/requests/{RequestClosed}/review", direct));
        await ExpectAsync(HttpStatusCode.OK, provider.PostJsonAsync($"/api/v1/requests/{RequestClosed}/acknowledge", new { }));
        using (var package = new ByteArrayContent("matrix"u8.ToArray()))
        {
            package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            await ExpectAsync(HttpStatusCode.OK, provider.PostAsync($"/api/v1/requests/{RequestClosed}/productions?fileName=package.zip", package));
        }

        await ExpectAsync(HttpStatusCode.OK, officer.PostJsonAsync($"/api/v1/requests/{RequestClosed}/closure", new { }));
        ProductionOfClosed = await Broker.WithDbAsync(db => db.Productions.Where(p => p.RequestId == RequestClosed).Select(p => p.Id).SingleAsync());
        OutboxMessage = await Broker.WithDbAsync(db => db.Outbox.Where(m => m.RequestId == RequestClosed).Select(m => m.Id).FirstAsync());

        await ExpectAsync(HttpStatusCode.OK,
            desk.PostJsonAsync($"/api/v1/requests/{RequestWithClosedMlat}/review", new { decision = "mlat", text = "A source may be exposed." }));
        await ExpectAsync(HttpStatusCode.OK, officer.PostJsonAsync($"/api/v1/mlat/drafts/{RequestWithClosedMlat}/sent", new { }));
        await ExpectAsync(HttpStatusCode.OK, officer.PostJsonAsync($"/api/v1/mlat/drafts/{RequestWithClosedMlat}/executed", new { }));

        using (var queued = await oversight.PostJsonAsync("/api/v1/exports/transparency-reports", new { period = "2026-H2", format = "csv" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            ExportJob = (await queued.JsonAsync()).GetProperty("id").GetGuid();
        }

        await Broker.Services.GetRequiredService<ExportJobRunner>().RunAsync(ExportJob, CancellationToken.None);
        ActivePolicyVersion = await Broker.WithDbAsync(db => PolicyRegistry.ActiveVersionAsync(db, CancellationToken.None)) ?? "";
    }

    private static async Task ExpectAsync(HttpStatusCode expected, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static JsonObject Press() => SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press"));

    private async Task<Guid> FileAsync(JsonObject request, string expectedState)
    {
        using var officer = await Broker.ClientAsync("met-case-system");
        using var response = await officer.PostJsonAsync("/api/v1/requests", request);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        Assert.Equal(expectedState, body.GetProperty("state").GetString());
        return body.GetProperty("id").GetGuid();
    }

    /// <summary>A row's address with its subjects filled in.</summary>
    public string Url(string template) => template.Replace("{A}", RequestOfAgencyA.ToString(), StringComparison.Ordinal)
        .Replace("{R}", RequestInReview.ToString(), StringComparison.Ordinal)
        .Replace("{D}", RequestReviewed.ToString(), StringComparison.Ordinal)
        .Replace("{C}", RequestClosed.ToString(), StringComparison.Ordinal)
        .Replace("{P}", ProductionOfClosed.ToString(), StringComparison.Ordinal)
        .Replace("{M}", RequestWithClosedMlat.ToString(), StringComparison.Ordinal)
        .Replace("{J}", ExportJob.ToString(), StringComparison.Ordinal)
        .Replace("{O}", OutboxMessage.ToString(), StringComparison.Ordinal)
        .Replace("{V}", ActivePolicyVersion, StringComparison.Ordinal)
        .Replace("{missing}", Guid.NewGuid().ToString(), StringComparison.Ordinal);

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>
/// Every endpoint × every kind of caller → the expected status. 404 (not 403) for another tenant's request, so
/// that existence does not leak; 403 where the caller's role can never use the endpoint. A write is sent where a caller
/// it lets through gets a definite answer that changes nothing another row reads (409 for a step the subject's state
/// does not allow, 400 for a body refused after the caller was let through; a secret is rotated only for recipients no
/// other row uses), so that the rows do not depend on one another's order.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixFixture fixture) : IClassFixture<MatrixFixture>
{
    // Callers: anonymous, officer of agency A, supervisors' desk of agency A, officer of agency B, provider X (addressee),
    // provider Y, oversight, administrator, review desk. {A} is routed to X; {R} waits for a reviewer; {D} was released
    // to X by the review desk; {C} was reviewed, released to X, produced ({P}) and closed; {M} was sent to MLAT by the
    // review desk and its draft executed; {J} is oversight's report, built; {O} an outbox message; {V} the active policy.
    internal static readonly string?[] Callers =
    [
        null, "met-case-system", "met-supervisor-desk", "bka-case-system", "northwind-legal", "emerald-legal", "ipco-oversight", "broker-admin",
        "broker-review-desk",
    ];

    public static TheoryData<string, string, int[]> Matrix => new()
    {
        //                                                                anon  A  A-sup  B    X    Y  oversight admin review
        { "GET", "/api/v1/requests/{A}",                                  [401, 200, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{R}",                                  [401, 200, 200, 404, 404, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{A}/decision",                         [401, 200, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{R}/decision",                         [401, 200, 200, 404, 404, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{D}",                                  [401, 200, 200, 404, 200, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{D}/dossier.pdf",                      [401, 200, 200, 404, 200, 404, 200, 404, 200] },
        { "GET", "/api/v1/requests/{A}/timeline",                         [401, 200, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{R}/timeline",                         [401, 200, 200, 404, 404, 404, 200, 403, 200] },
        { "GET", "/api/v1/requests/{A}/productions",                      [401, 200, 200, 404, 200, 404, 200, 403, 404] },
        { "GET", "/api/v1/requests/{A}/dossier.pdf",                      [401, 200, 200, 404, 200, 404, 200, 404, 404] },
        { "GET", "/api/v1/requests/{R}/dossier.pdf",                      [401, 200, 200, 404, 404, 404, 200, 404, 200] },
        { "GET", "/api/v1/exports/requests/{R}/mlat-draft.pdf",           [401, 200, 200, 404, 404, 404, 200, 404, 200] },
        { "GET", "/api/v1/requests/{missing}",                            [401, 404, 404, 404, 404, 404, 404, 403, 404] },
        { "GET", "/api/v1/requests",                                      [401, 200, 200, 200, 200, 200, 200, 403, 200] },
        { "POST", "/api/v1/requests",                                     [401, 201, 403, 403, 403, 403, 403, 403, 403] },

        // The lifecycle, on the closed request: 409 is the caller let through to a step that state does not allow.
        { "GET", "/api/v1/requests/{C}",                                  [401, 200, 200, 404, 200, 404, 200, 403, 200] },
        { "POST", "/api/v1/requests/{C}/acknowledge",                     [401, 403, 403, 404, 409, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/clarifications",                  [401, 403, 403, 404, 409, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/clarifications/answer",           [401, 409, 403, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/refusal",                         [401, 403, 403, 404, 409, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/objection",                       [401, 403, 403, 404, 409, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/withdrawal",                      [401, 409, 403, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/preservation/extension",          [401, 409, 403, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/preservation/conversion",         [401, 409, 403, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/emergency/confirmation",          [401, 403, 409, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/emergency/refusal",               [401, 403, 409, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/closure",                         [401, 409, 403, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/review",                          [401, 403, 403, 404, 403, 404, 403, 403, 409] },
        // 400: the agency is let through to find no validation open on a request that was no emergency.
        { "POST", "/api/v1/requests/{C}/validation",                      [401, 400, 403, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/validation/refusal",              [401, 400, 403, 404, 403, 404, 403, 403, 403] },
        { "POST", "/api/v1/requests/{C}/productions?fileName=package.zip", [401, 403, 403, 404, 409, 404, 403, 403, 403] },
        { "GET", "/api/v1/requests/{C}/productions/{P}/content",          [401, 200, 200, 404, 403, 404, 403, 403, 403] },
        { "GET", "/api/v1/provider/inbox",                                [401, 403, 403, 403, 200, 200, 403, 403, 403] },

        // MLAT: the draft of {M} is closed, so a step the agency is let through to take is 409.
        { "GET", "/api/v1/mlat/drafts",                                   [401, 200, 200, 200, 200, 200, 200, 403, 200] },
        { "GET", "/api/v1/mlat/drafts/{M}",                               [401, 200, 200, 404, 404, 404, 200, 403, 200] },
        { "POST", "/api/v1/mlat/drafts/{M}/sent",                         [401, 409, 403, 404, 404, 404, 403, 403, 403] },
        { "POST", "/api/v1/mlat/drafts/{M}/executed",                     [401, 409, 403, 404, 404, 404, 403, 403, 403] },
        { "POST", "/api/v1/mlat/drafts/{M}/refused",                      [401, 409, 403, 404, 404, 404, 403, 403, 403] },
        { "GET", "/api/v1/mlat/backlog",                                  [401, 403, 403, 403, 403, 403, 200, 200, 403] },

        // Policy: 400 is an empty pack, refused once the caller was let through.
        { "POST", "/api/v1/policy/evaluate",                              [401, 200, 403, 200, 403, 403, 200, 200, 403] },
        { "GET", "/api/v1/policy/versions",                               [401, 403, 403, 403, 403, 403, 200, 200, 403] },
        { "POST", "/api/v1/policy/versions",                              [401, 403, 403, 403, 403, 403, 403, 400, 403] },
        { "POST", "/api/v1/policy/versions/sha256:none/activate",         [401, 403, 403, 403, 403, 403, 403, 404, 403] },
        { "POST", "/api/v1/policy/what-if",                               [401, 403, 403, 403, 403, 403, 400, 400, 403] },
        { "GET", "/api/v1/policy/versions/{V}/what-if",                   [401, 403, 403, 403, 403, 403, 200, 200, 403] },
        { "GET", "/api/v1/policy/suspensions",                            [401, 403, 403, 403, 403, 403, 200, 200, 403] },
        { "POST", "/api/v1/policy/suspensions",                           [401, 403, 403, 403, 403, 403, 403, 204, 403] },
        { "DELETE", "/api/v1/policy/suspensions/JP",                      [401, 403, 403, 403, 403, 403, 403, 204, 403] },

        // Exports: 400 is a report request without its period; a job is its own tenant's (the administrator's 404).
        { "POST", "/api/v1/exports/oversight-reports",                    [401, 403, 403, 403, 403, 403, 400, 400, 403] },
        { "POST", "/api/v1/exports/transparency-reports",                 [401, 403, 403, 403, 403, 403, 400, 400, 403] },
        // The audit trail is oversight's alone: it records every request's steps, which administrators do not read.
        { "POST", "/api/v1/exports/audit-trails",                         [401, 403, 403, 403, 403, 403, 400, 403, 403] },
        { "GET", "/api/v1/exports/jobs/{J}",                              [401, 403, 403, 403, 403, 403, 200, 404, 403] },
        { "GET", "/api/v1/exports/jobs/{J}/file",                         [401, 403, 403, 403, 403, 403, 200, 404, 403] },
        { "GET", "/api/v1/audit/verify",                                  [401, 403, 403, 403, 403, 403, 200, 200, 403] },

        // Webhook administration: 409 is {O}, not a dead letter; 400 a URL that is none.
        { "GET", "/api/v1/admin/webhooks/dead-letters",                   [401, 403, 403, 403, 403, 403, 403, 200, 403] },
        { "GET", "/api/v1/admin/webhooks/messages/{O}",                   [401, 403, 403, 403, 403, 403, 403, 200, 403] },
        { "POST", "/api/v1/admin/webhooks/dead-letters/{O}/retry",        [401, 403, 403, 403, 403, 403, 403, 409, 403] },
        { "GET", "/api/v1/admin/agencies/us-fbi/webhook",                 [401, 403, 403, 403, 403, 403, 403, 200, 403] },
        { "PUT", "/api/v1/admin/agencies/us-fbi/webhook",                 [401, 403, 403, 403, 403, 403, 403, 400, 403] },
        { "POST", "/api/v1/admin/agencies/us-fbi/webhook/rotate-secret",  [401, 403, 403, 403, 403, 403, 403, 200, 403] },
        { "GET", "/api/v1/admin/providers/emerald-cloud/webhook",         [401, 403, 403, 403, 403, 403, 403, 200, 403] },
        { "PUT", "/api/v1/admin/providers/emerald-cloud/webhook",         [401, 403, 403, 403, 403, 403, 403, 400, 403] },
        { "POST", "/api/v1/admin/providers/emerald-cloud/webhook/rotate-secret", [401, 403, 403, 403, 403, 403, 403, 200, 403] },

        { "GET", "/api/v1/providers",                                     [401, 200, 200, 200, 200, 200, 200, 200, 200] },
        { "GET", "/api/v1/agencies",                                      [401, 200, 200, 200, 200, 200, 200, 200, 200] },
        { "GET", "/api/v1/countries",                                     [401, 200, 200, 200, 200, 200, 200, 200, 200] },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_caller_gets_the_expected_status(string method, string template, int[] expected)
    {
        Assert.Equal(Callers.Length, expected.Length);
        var url = fixture.Url(template);
        var mismatches = new List<string>();
        for (var i = 0; i < Callers.Length; i++)
        {
            using var client = await fixture.Broker.ClientAsync(Callers[i]);
            using var message = new HttpRequestMessage(new HttpMethod(method), url) { Content = BodyFor(method, template) };
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

    /// <summary>The matrix's GET rows: each answers HEAD alike (RFC 9110 §9.3.2).</summary>
    public static TheoryData<string, int[]> GetRows()
    {
        var rows = new TheoryData<string, int[]>();
        foreach (var row in Matrix.Where(row => (string)row[0] == "GET"))
        {
            rows.Add((string)row[1], (int[])row[2]);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(GetRows))]
    public async Task A_head_gets_the_status_its_get_gets_for_each_caller_and_no_body(string template, int[] expected)
    {
        var url = fixture.Url(template);
        var mismatches = new List<string>();
        for (var i = 0; i < Callers.Length; i++)
        {
            using var client = await fixture.Broker.ClientAsync(Callers[i]);
            using var message = new HttpRequestMessage(HttpMethod.Head, url);
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsByteArrayAsync();
            if ((int)response.StatusCode != expected[i] || body.Length != 0)
            {
                mismatches.Add($"{Callers[i] ?? "anonymous"}: expected {expected[i]}, got {(int)response.StatusCode} with {body.Length} bytes");
            }
        }

        Assert.True(mismatches.Count == 0, $"HEAD {template}: {string.Join("; ", mismatches)}");
    }

    [Fact]
    public async Task Listings_never_show_another_tenants_request()
    {
        foreach (var (caller, seesRouted, seesInReview) in new[]
                 {
                     ("met-case-system", true, true), ("met-supervisor-desk", true, true), ("bka-case-system", false, false),
                     ("northwind-legal", true, false), ("emerald-legal", false, false), ("ipco-oversight", true, true),
                     ("broker-review-desk", false, true),
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

    /// <summary>
    /// The body each row sends: for a write, one whose only fault, if any, is found after the caller was let through
    /// (an action's text and grounds, a review's decision, are checked before whether the caller sees the request).
    /// </summary>
    internal static HttpContent? BodyFor(string method, string template)
    {
        if (method is not ("POST" or "PUT"))
        {
            return null;
        }

        if (template.Contains("/productions?", StringComparison.Ordinal))
        {
            var package = new ByteArrayContent("matrix"u8.ToArray());
            package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            return package;
        }

        JsonNode? body = template switch
        {
            "/api/v1/requests" => SampleRequests.MetToNorthwindSubscriber(),
            "/api/v1/policy/evaluate" => SampleRequests.MetToNorthwindSubscriber(),
            "/api/v1/policy/suspensions" => new JsonObject { ["country"] = "JP", ["reason"] = "matrix test" },
            "/api/v1/policy/versions" or "/api/v1/policy/what-if" => new JsonObject { ["files"] = new JsonObject() },
            "/api/v1/exports/oversight-reports" or "/api/v1/exports/audit-trails" => new JsonObject(),
            "/api/v1/exports/transparency-reports" => new JsonObject { ["period"] = "some time" },
            _ when template.EndsWith("/webhook", StringComparison.Ordinal) => new JsonObject { ["url"] = "not a url" },
            _ when template.EndsWith("}/refusal", StringComparison.Ordinal) || template.EndsWith("}/objection", StringComparison.Ordinal) =>
                new JsonObject { ["text"] = "matrix test", ["grounds"] = new JsonArray("fundamental-rights") },
            _ when template.EndsWith("/review", StringComparison.Ordinal) => new JsonObject { ["decision"] = "direct", ["text"] = "matrix test" },
            _ when template.EndsWith("/validation", StringComparison.Ordinal) =>
                new JsonObject { ["validatedBy"] = new JsonObject { ["type"] = "judge", ["name"] = "Matrix J" } },
            _ when template.StartsWith("/api/v1/requests/", StringComparison.Ordinal)
                   || template.StartsWith("/api/v1/mlat/", StringComparison.Ordinal) =>
                new JsonObject { ["text"] = "matrix test" },
            _ when template.EndsWith("/activate", StringComparison.Ordinal) => new JsonObject(),
            _ => null,
        };
        return body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
    }
}
