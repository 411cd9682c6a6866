using System.Net;
using System.Net.Http.Json;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Hosting;

public sealed class RateLimitTests
{
    private sealed class TightLimits : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("RateLimits:TokenPerClientPerMinute", "3"),
            new("RateLimits:IntakePerClientPerPeriod", "1"),
            new("RateLimits:IntakePeriod", "01:00:00"),
            new("RateLimits:IntakeBurst", "2"),
            new("RateLimits:WholeStorePerClientPerMinute", "2"),
        ];
    }

    [Theory]
    [InlineData("/connect/token")]
    [InlineData("/connect/token/")] // OpenIddict takes this for its token endpoint too
    [InlineData("/CONNECT/Token")]
    public async Task Tokens_beyond_a_client_s_limit_get_429_with_retry_after(string path)
    {
        await using var broker = new TightLimits();
        using var client = broker.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last?.Dispose();
            last = await client.PostAsync(path, Credentials("met-case-system", "dev-met-secret"));
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        using var otherClient = await client.PostAsync("/connect/token", Credentials("bka-case-system", "dev-bka-secret"));
        Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
        last.Dispose();
    }

    [Theory]
    [InlineData("/connect/token")]
    [InlineData("/api/v1/audit/verify")]
    public async Task A_limit_reached_by_a_client_that_does_not_ask_for_json_is_still_a_429_problem(string path)
    {
        await using var broker = new TightLimits();
        using var client = path.StartsWith("/api", StringComparison.Ordinal) ? await broker.ClientAsync("ipco-oversight") : broker.CreateClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last?.Dispose();
            using var message = path.StartsWith("/api", StringComparison.Ordinal)
                ? new HttpRequestMessage(HttpMethod.Get, path)
                : new HttpRequestMessage(HttpMethod.Post, path) { Content = Credentials("emerald-legal", "dev-emerald-secret") };
            message.Headers.Accept.ParseAdd("text/html");
            last = await client.SendAsync(message);
        }

        Assert.Equal((HttpStatusCode.TooManyRequests, "application/problem+json"), (last!.StatusCode, last.Content.Headers.ContentType?.MediaType));
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        last.Dispose();
    }

    [Fact]
    public async Task Token_requests_whose_form_cannot_be_read_count_against_their_network()
    {
        await using var broker = new TightLimitsPerAddress();
        using var client = broker.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var unreadable = new StringContent("--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials");
            unreadable.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
            using var response = await client.PostAsync("/connect/token", unreadable);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
    }

    private sealed class TightLimitsPerAddress : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("RateLimits:TokenPerAddressPerMinute", "2")];
    }

    [Fact]
    public async Task A_stranger_who_knows_a_client_s_id_but_not_its_secret_cannot_spend_its_tokens()
    {
        await using var broker = new TightLimits();
        using var stranger = broker.CreateClient();
        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var guess = await stranger.PostAsync("/connect/token", Credentials("met-case-system", $"guess-{i}"));
            guesses.Add(guess.StatusCode);
        }

        using var owner = await stranger.PostAsync("/connect/token", Credentials("met-case-system", "dev-met-secret"));

        Assert.All(guesses, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task A_client_that_names_another_in_its_form_spends_only_its_own_tokens()
    {
        await using var broker = new TightLimits();
        using var client = broker.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            // The token server takes the client from the Basic header and overrides the form's client_id with it.
            using var attempt = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system" }),
            };
            attempt.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("bka-case-system:dev-bka-secret")));
            using var answer = await client.SendAsync(attempt);
            statuses.Add(answer.StatusCode);
        }

        using var met = await client.PostAsync("/connect/token", Credentials("met-case-system", "dev-met-secret"));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.OK, met.StatusCode);
    }

    private static FormUrlEncodedContent Credentials(string clientId, string secret) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
    });

    [Theory]
    [InlineData("GET", "/api/v1/audit/verify")]
    [InlineData("GET", "/api/v1/policy/versions/{active}/what-if")]
    [InlineData("POST", "/api/v1/exports/oversight-reports")]
    [InlineData("POST", "/api/v1/exports/audit-trails")]
    public async Task Reads_that_walk_the_whole_store_are_limited_per_client(string method, string path)
    {
        await using var broker = new TightLimits();
        using var oversight = await broker.ClientAsync("ipco-oversight");
        var active = (await (await oversight.GetAsync("/api/v1/policy/versions")).JsonAsync()).EnumerateArray()
            .Single(v => v.GetProperty("isActive").GetBoolean()).GetProperty("version").GetString()!;
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            using var message = new HttpRequestMessage(new HttpMethod(method), path.Replace("{active}", Uri.EscapeDataString(active), StringComparison.Ordinal))
            {
                Content = method == "POST" ? JsonContent.Create(new { from = "2026-11-01", to = "2026-11-30" }) : null,
            };
            last = await oversight.SendAsync(message);
            statuses.Add(last.StatusCode);
        }

        Assert.True(statuses[0] is HttpStatusCode.OK or HttpStatusCode.Accepted, statuses[0].ToString());
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[2]);
        Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        last.Dispose();
    }

    [Fact]
    public async Task Report_orders_refused_for_their_input_spend_nothing_of_the_whole_store_limit()
    {
        await using var broker = new TightLimits();
        using var oversight = await broker.ClientAsync("ipco-oversight");
        var refused = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var backwards = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-12-01", to = "2026-01-01" });
            refused.Add(backwards.StatusCode);
        }

        using var order = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });
        using var verify = await oversight.GetAsync("/api/v1/audit/verify");
        using var third = await oversight.GetAsync("/api/v1/audit/verify");

        Assert.All(refused, status => Assert.Equal(HttpStatusCode.BadRequest, status));
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.OK), (order.StatusCode, verify.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode); // the two that read the store took the minute's two permits
    }

    [Fact]
    public async Task A_report_order_retried_with_its_idempotency_key_takes_no_permit_of_the_whole_store_limit()
    {
        await using var broker = new TightLimits();
        using var oversight = await broker.ClientAsync("ipco-oversight");

        using var first = await OrderReportAsync(oversight, "report-2026-11");
        using var retried = await OrderReportAsync(oversight, "report-2026-11");
        using var second = await OrderReportAsync(oversight, "report-2026-10");
        using var third = await OrderReportAsync(oversight, "report-2026-09");

        Assert.Equal(
            (HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests),
            (first.StatusCode, retried.StatusCode, second.StatusCode, third.StatusCode)); // the first and second took the minute's two permits
    }

    [Fact]
    public async Task A_report_order_retried_with_its_idempotency_key_is_answered_when_the_whole_store_window_is_spent()
    {
        await using var broker = new TightLimits();
        using var oversight = await broker.ClientAsync("ipco-oversight");
        using var first = await OrderReportAsync(oversight, "report-2026-11");
        using var second = await OrderReportAsync(oversight, "report-2026-10");

        using var refused = await OrderReportAsync(oversight, "report-2026-09");
        using var retried = await OrderReportAsync(oversight, "report-2026-11");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal((await first.JsonAsync()).GetProperty("id").GetGuid(), (await retried.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal("true", Assert.Single(retried.Headers.GetValues("Idempotent-Replayed")));
    }

    private static async Task<HttpResponseMessage> OrderReportAsync(HttpClient client, string idempotencyKey)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/oversight-reports")
        {
            Content = JsonContent.Create(new { from = "2026-11-01", to = "2026-11-30" }),
        };
        message.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(message);
    }

    [Fact]
    public async Task A_read_refused_under_the_whole_store_limit_is_told_when_the_window_frees_a_permit()
    {
        await using var broker = new TightLimits();
        using var oversight = await broker.ClientAsync("ipco-oversight");
        (await oversight.GetAsync("/api/v1/audit/verify")).Dispose();
        (await oversight.GetAsync("/api/v1/audit/verify")).Dispose();

        broker.Clock.Advance(TimeSpan.FromSeconds(25));
        using var refused = await oversight.GetAsync("/api/v1/audit/verify");
        broker.Clock.Advance(TimeSpan.FromSeconds(35));
        using var later = await oversight.GetAsync("/api/v1/audit/verify");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(35), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Try again in 35 s.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task The_portal_s_policy_what_if_is_limited_but_reading_the_page_is_not()
    {
        await using var broker = new TightLimits();
        var files = EvidenceBroker.Server.Routing.PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] = files["pack.yaml"].Replace("label:", "label: candidate", StringComparison.Ordinal);
        using var api = await broker.ClientAsync("broker-admin");
        using var stored = await api.PostJsonAsync("/api/v1/policy/versions", new { files });
        var version = (await stored.JsonAsync()).GetProperty("version").GetString()!;
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            var token = await admin.FormTokenAsync("/portal/admin/policy"); // three readings of the page, not limited
            // A second handler value: Razor Pages runs the first, so the limit must read the first too.
            using var whatIf = await admin.Client.PostAsync($"/portal/admin/policy?handler=WhatIf&handler=Suspend&version={Uri.EscapeDataString(version)}",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
            statuses.Add(whatIf.StatusCode);
        }

        Assert.NotEqual(HttpStatusCode.TooManyRequests, statuses[0]);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, statuses[1]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[2]);
    }

    [Fact]
    public async Task Requests_with_a_decoy_client_in_a_header_get_no_token_and_so_spend_nobody_s_tokens()
    {
        await using var broker = new TightLimits();
        using var client = broker.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var attempt = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = Credentials("met-case-system", "dev-met-secret") };

            // A tab after "Basic": read as Basic by .NET's parser; the token server refuses a request naming two clients.
            attempt.Headers.TryAddWithoutValidation("Authorization", "Basic\t" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"decoy-{i}:x")));
            using var answer = await client.SendAsync(attempt);
            statuses.Add(answer.StatusCode);
        }

        using var clean = await client.PostAsync("/connect/token", Credentials("met-case-system", "dev-met-secret"));

        Assert.DoesNotContain(HttpStatusCode.OK, statuses);
        Assert.Equal(HttpStatusCode.OK, clean.StatusCode);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64")]
    public void Per_address_limits_count_an_ipv6_subscriber_s_whole_64(string address, string counted)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);

        Assert.Equal(counted, EvidenceBroker.Server.Hosting.RateLimiting.NetworkOf(http));
    }

    [Fact]
    public async Task Filing_faster_than_the_client_limit_gets_429_and_stores_nothing()
    {
        await using var broker = new TightLimits();
        using var officer = await broker.ClientAsync("met-case-system");

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber()));
        }

        Assert.Equal(HttpStatusCode.Created, responses[0].StatusCode);
        Assert.Equal(HttpStatusCode.Created, responses[1].StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, responses[2].StatusCode);
        Assert.NotNull(responses[2].Headers.RetryAfter);
        Assert.Equal(2, await broker.WithDbAsync(db => db.Requests.CountAsync()));
        responses.ForEach(r => r.Dispose());
    }
}
