using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Requests;

public sealed class IntakeTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task Filing_returns_201_with_location_and_the_request_reads_back()
    {
        using var officer = await broker.ClientAsync("met-case-system");

        using var created = await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
        var body = await created.JsonAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/requests/{body.GetProperty("id").GetGuid()}", created.Headers.Location!.OriginalString);
        Assert.Matches("^EB-2026-[2-9A-Z]{8}$", body.GetProperty("reference").GetString());
        var read = await (await officer.GetAsync(created.Headers.Location)).JsonAsync();
        Assert.Equal(body.GetProperty("id").GetGuid(), read.GetProperty("id").GetGuid());
        Assert.Equal("suspect.one@northwind.example",
            read.GetProperty("request").GetProperty("identifiers")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Filing_writes_request_decision_audit_and_outbox_together()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var id = (await (await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())).JsonAsync())
            .GetProperty("id").GetGuid();

        var (decision, audit, outbox) = await broker.WithDbAsync(async db => (
            await db.Decisions.CountAsync(d => d.RequestId == id),
            await db.AuditEntries.CountAsync(a => a.SubjectId == id.ToString()),
            await db.Outbox.CountAsync(m => m.RequestId == id)));

        Assert.Equal((1, 2, 2), (decision, audit, outbox));
    }

    public static TheoryData<string, JsonArray> PlainIdentifiers() => new()
    {
        { "one IP address in two sessions", new JsonArray(
            new JsonObject { ["type"] = "ip", ["value"] = "198.51.100.7", ["from"] = "2026-03-01T10:15:42Z", ["to"] = "2026-03-01T10:15:58Z" },
            new JsonObject { ["type"] = "ip", ["value"] = "198.51.100.7", ["from"] = "2026-03-02T08:00:00Z", ["to"] = "2026-03-02T08:00:30Z" }) },
        { "an IPv6 address with its port", new JsonArray(
            new JsonObject { ["type"] = "ip", ["value"] = "[2001:db8::1]:51234", ["from"] = "2026-03-01T10:15:42Z", ["to"] = "2026-03-01T10:15:58Z" }) },
        { "a Persian name with a zero-width non-joiner", new JsonArray(new JsonObject { ["type"] = "account", ["value"] = "می\u200Cخواهم" }) },
        { "an account held since before the time range", new JsonArray(
            new JsonObject { ["type"] = "phone", ["value"] = "+447700900123", ["from"] = "2024-01-01T00:00:00Z", ["to"] = "2026-12-01T00:00:00Z" }) },
    };

    [Theory]
    [MemberData(nameof(PlainIdentifiers))]
    public async Task Identifiers_written_as_they_are_used_are_accepted(string because, JsonArray identifiers)
    {
        using var officer = await broker.ClientAsync("met-case-system");

        using var response = await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber()
            .With("dataCategories", new JsonArray("identification")).With("identifiers", identifiers));

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{because}: {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_token_that_may_only_file_gets_its_own_request_back_on_a_retry_with_the_same_key()
    {
        using var officer = broker.CreateClient();
        officer.DefaultRequestHeaders.Authorization =
            new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await broker.TokenAsync("met-case-system", "requests.write"));
        var key = Guid.NewGuid().ToString();

        var first = await SendWithKeyAsync(officer, key, SampleRequests.MetToNorthwindSubscriber());
        var retry = await SendWithKeyAsync(officer, key, SampleRequests.MetToNorthwindSubscriber());

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.Equal(first.Id, retry.Id);
    }

    [Fact]
    public async Task Same_idempotency_key_and_body_returns_the_same_request()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var key = Guid.NewGuid().ToString();

        var first = await SendWithKeyAsync(officer, key, SampleRequests.MetToNorthwindSubscriber());
        var second = await SendWithKeyAsync(officer, key, SampleRequests.MetToNorthwindSubscriber());

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(1, await broker.WithDbAsync(db => db.IdempotencyRecords.CountAsync(k => k.Key == key)));
    }

    [Fact]
    public async Task Same_idempotency_key_with_a_different_body_is_a_conflict()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var key = Guid.NewGuid().ToString();
        await SendWithKeyAsync(officer, key, SampleRequests.MetToNorthwindSubscriber());

        var changed = SampleRequests.MetToNorthwindSubscriber().With("justification", "Something else entirely, with other facts.");
        var second = await SendWithKeyAsync(officer, key, changed);

        Assert.Equal(HttpStatusCode.Conflict, second.Status);
    }

    [Fact]
    public async Task A_key_recorded_for_another_tenant_s_request_replays_nothing_of_it()
    {
        var metRequest = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var key = Guid.NewGuid().ToString();
        var body = SampleRequests.MetToNorthwindSubscriber().With("agencyId", "de-bka").With("requestingCountry", "DE");
        await broker.WithDbAsync(async db =>
        {
            // As if the BKA's client shared its subject with the one that filed the Met's request under this key.
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                ClientId = "bka-case-system", Key = key, BodyHash = "not this body", RequestId = metRequest, CreatedAt = DateTimeOffset.UtcNow,
            });
            return await db.SaveChangesAsync();
        });
        using var bka = await broker.ClientAsync("bka-case-system");

        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests") { Content = JsonContent.Create(body) };
        message.Headers.Add("Idempotency-Key", key);
        using var response = await bka.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.DoesNotContain(metRequest.ToString(), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idempotency_key_header_sent_twice_is_refused_naming_it_and_nothing_is_filed()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var before = await broker.WithDbAsync(db => db.Requests.CountAsync());
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests") { Content = JsonContent.Create(SampleRequests.MetToNorthwindSubscriber()) };
        // Joined by a comma on arrival (RFC 9110 §5.3): taken as it was, neither key would find the request again.
        message.Headers.TryAddWithoutValidation("Idempotency-Key", ["first-key", "second-key"]);

        using var response = await officer.SendAsync(message);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(before, await broker.WithDbAsync(db => db.Requests.CountAsync()));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_key_create_one_request()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var key = Guid.NewGuid().ToString();

        var results = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => SendWithKeyAsync(officer, key, SampleRequests.MetToNorthwindSubscriber())));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(results.Select(r => r.Id).Distinct());
    }

    [Fact]
    public async Task Listing_pages_and_filters()
    {
        using var officer = await broker.ClientAsync("bka-case-system");
        var bka = SampleRequests.MetToNorthwindSubscriber()
            .With("requestingCountry", "DE").With("agencyId", "de-bka");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await officer.PostJsonAsync("/api/v1/requests", bka)).StatusCode);
        }

        var page = await (await officer.GetAsync("/api/v1/requests?page=1&pageSize=2&requestingCountry=DE")).JsonAsync();

        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("total").GetInt32() >= 3);
        Assert.All(page.GetProperty("items").EnumerateArray(), i => Assert.Equal("de-bka", i.GetProperty("agencyId").GetString()));
    }

    [Fact]
    public Task A_filing_date_filter_with_an_offset_is_read_as_the_instant_it_names() => FiledFromWithOffsetAsync(new BrokerFactory());

    [PostgresFact]
    public Task A_filing_date_filter_with_an_offset_is_read_as_the_instant_it_names_on_PostgreSQL() => FiledFromWithOffsetAsync(new PostgresBrokerFactory());

    private static async Task FiledFromWithOffsetAsync(BrokerFactory fresh)
    {
        await using var broker = fresh;
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()); // at 09:00 UTC
        using var officer = await broker.ClientAsync("met-case-system");

        // 10:30 at UTC+2 is 08:30 UTC, before the filing; 11:30 at UTC+2 is 09:30 UTC, after it.
        using var before = await officer.GetAsync("/api/v1/requests?filedFrom=2026-11-23T10:30:00%2B02:00");
        using var after = await officer.GetAsync("/api/v1/requests?filedFrom=2026-11-23T11:30:00%2B02:00");
        using var until = await officer.GetAsync("/api/v1/requests?filedTo=2026-11-23T11:30:00%2B02:00");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal([id], Ids(await before.JsonAsync()));
        Assert.Empty(Ids(await after.JsonAsync()));
        Assert.Equal([id], Ids(await until.JsonAsync()));
    }

    private static Guid[] Ids(System.Text.Json.JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

    [Theory]
    [InlineData("state=filed, closed", "state")]
    [InlineData("state=sent", "state")]
    [InlineData("outcome=maybe", "outcome")]
    [InlineData("pageSize=1000", "pageSize")]
    [InlineData("page=0", "page")]
    public async Task Bad_listing_parameters_are_named(string query, string field)
    {
        using var officer = await broker.ClientAsync("met-case-system");

        using var response = await officer.GetAsync($"/api/v1/requests?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Reference_data_lists_providers_with_jurisdictions_and_pack_countries()
    {
        using var officer = await broker.ClientAsync("met-case-system");

        var providers = await (await officer.GetAsync("/api/v1/providers")).JsonAsync();
        var countries = await (await officer.GetAsync("/api/v1/countries")).JsonAsync();

        Assert.Contains(providers.EnumerateArray(), p => p.GetProperty("id").GetString() == "emerald-cloud"
                                                          && p.GetProperty("jurisdiction").GetString() == "IE");
        Assert.Contains(countries.EnumerateArray(), c => c.GetProperty("code").GetString() == "DK");
    }

    private static async Task<(HttpStatusCode Status, Guid? Id)> SendWithKeyAsync(HttpClient client, string key, JsonObject body)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(message);
        var json = await response.JsonAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? json.GetProperty("id").GetGuid() : null);
    }
}
