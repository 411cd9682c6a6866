using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>Every bad body gets a 4xx problem document naming what is wrong, and nothing is stored.</summary>
public sealed class BadInputTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    public static TheoryData<string, string, int, string> Bodies()
    {
        var valid = SampleRequests.MetToNorthwindSubscriber();
        var longIdentifier = valid.With("identifiers", new JsonArray(new JsonObject { ["type"] = "email", ["value"] = new string('a', 10_000) }));
        var controlCharacters = valid.With("identifiers", new JsonArray(new JsonObject { ["type"] = "email", ["value"] = "a\u0000b@example.com" }));
        var offenceWithText = valid.DeepClone().AsObject();
        offenceWithText["offence"]!["maxPenaltyYears"] = "ten";
        var identifierTypeNumber = valid.With("identifiers", new JsonArray(new JsonObject { ["type"] = 0, ["value"] = "x@example.com" }));
        return new TheoryData<string, string, int, string>
        {
            { "malformed JSON", "{\"requestingCountry\": \"GB\",", 400, "body" },
            { "not an object", "[1,2,3]", 400, "body" },
            { "empty body", "", 400, "body" },
            { "wrong type", offenceWithText.ToJsonString(), 400, "offence.maxPenaltyYears" },
            { "unknown enum value", valid.With("urgency", "urgent").ToJsonString(), 400, "urgency" },
            { "enum as a number", valid.With("urgency", 1).ToJsonString(), 400, "urgency" },
            { "enum as a list of names", valid.With("urgency", "standard, preservation").ToJsonString(), 400, "urgency" },
            { "nested enum as a list of names", valid.With("issuingAuthority", new JsonObject { ["type"] = "court, investigating-judge", ["name"] = "Southwark Crown Court" }).ToJsonString(), 400, "issuingAuthority.type" },
            { "nested enum as a number", identifierTypeNumber.ToJsonString(), 400, "identifiers[0].type" },
            { "unknown data category", valid.With("dataCategories", new JsonArray("everything")).ToJsonString(), 400, "dataCategories[0]" },
            { "missing required field", valid.Without("justification").ToJsonString(), 400, "justification" },
            { "null for a required list", valid.With("identifiers", null).ToJsonString(), 400, "identifiers" },
            { "unknown property", valid.With("priority", "high").ToJsonString(), 400, "priority" },
            { "10,000-character identifier", longIdentifier.ToJsonString(), 400, "identifiers[0].value" },
            { "control characters", controlCharacters.ToJsonString(), 400, "identifiers[0].value" },
            { "no identifiers", valid.With("identifiers", new JsonArray()).ToJsonString(), 400, "identifiers" },
            { "a null identifier", valid.With("identifiers", new JsonArray((JsonNode?)null)).ToJsonString(), 400, "identifiers[0]" },
            { "lower-case country", valid.With("requestingCountry", "gb").ToJsonString(), 400, "requestingCountry" },
            { "time range backwards", valid.With("timeRange", new JsonObject { ["from"] = "2026-06-01T00:00:00Z", ["to"] = "2026-01-01T00:00:00Z" }).ToJsonString(), 400, "timeRange.to" },
            { "bad date", valid.With("nonDisclosureUntil", "next year").ToJsonString(), 400, "nonDisclosureUntil" },
            { "unknown provider", valid.With("providerId", "no-such-provider").ToJsonString(), 400, "providerId" },
            { "another country", valid.With("requestingCountry", "FR").ToJsonString(), 400, "requestingCountry" },
            { "another agency", valid.With("agencyId", "gb-nca").ToJsonString(), 403, "agencyId" },
            { "jurisdiction supplied", valid.With("providerJurisdiction", "GB").ToJsonString(), 400, "providerJurisdiction" },
            { "a provider in the requesting state", valid.With("providerId", "thames-social").ToJsonString(), 400, "providerId" },
            { "no agency", valid.Without("agencyId").ToJsonString(), 400, "agencyId" },
            { "no provider", valid.With("providerId", null).ToJsonString(), 400, "providerId" },
            { "a member given twice", valid.ToJsonString().Replace("\"urgency\":\"standard\"", "\"urgency\":\"standard\",\"urgency\":\"emergency\"", StringComparison.Ordinal), 400, "urgency" },
            { "a zero-width space before a bare domain", Identifier("email", "\u200B@example.com"), 400, "identifiers[0].value" },
            { "a right-to-left override", Identifier("account", "moc.elpmaxe\u202E"), 400, "identifiers[0].value" },
            { "a full-width wildcard", Identifier("account", "\uFF0A"), 400, "identifiers[0].value" },
            { "an IP range written with an en dash", Identifier("ip", "10.0.0.0\u201310.255.255.255"), 400, "identifiers[0].value" },
            { "the same identifier twice", valid.With("identifiers", new JsonArray(
                new JsonObject { ["type"] = "email", ["value"] = "suspect.one@northwind.example" },
                new JsonObject { ["type"] = "email", ["value"] = "suspect.one@northwind.example" })).ToJsonString(), 400, "identifiers" },
            { "an identifier's period outside the time range", valid.With("identifiers", new JsonArray(new JsonObject
            {
                ["type"] = "ip", ["value"] = "198.51.100.7", ["from"] = "1900-01-01T00:00:00Z", ["to"] = "2100-01-01T00:00:00Z",
            })).ToJsonString(), 400, "identifiers[0]" },
        };

        string Identifier(string type, string value) =>
            valid.With("identifiers", new JsonArray(new JsonObject { ["type"] = type, ["value"] = value })).ToJsonString();
    }

    public static TheoryData<string, string, string, string?, int> ErrorsOfEveryKind() => new()
    {
        { "text/html", "GET", "/api/v1/requests?page=x", null, 400 },
        { "application/xml", "GET", "/api/v1/provider/inbox?page=x", null, 400 },
        { "application/pdf", "POST", "/api/v1/policy/evaluate", "{}", 400 },
        { "text/csv", "POST", "/api/v1/policy/evaluate", "{\"x\":", 400 },
        { "text/html", "DELETE", "/api/v1/countries", null, 405 },
        { "image/png", "GET", "/api/v1/no-such-thing", null, 404 },
    };

    [Theory]
    [MemberData(nameof(ErrorsOfEveryKind))]
    public async Task An_error_is_a_problem_document_whatever_the_client_accepts(string accept, string method, string path, string? body, int status)
    {
        using var officer = await broker.ClientAsync("met-case-system");
        using var message = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };
        message.Headers.Accept.ParseAdd(accept);

        using var response = await officer.SendAsync(message);
        var problem = await response.JsonAsync();

        Assert.Equal((status, "application/problem+json"), ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("traceId", out _), problem.ToString());
    }

    [Fact]
    public async Task A_missing_token_is_a_problem_document_for_a_browser_too()
    {
        using var anonymous = broker.CreateClient();
        using var message = new HttpRequestMessage(HttpMethod.Get, "/api/v1/requests");
        message.Headers.Accept.ParseAdd("text/html");

        using var response = await anonymous.SendAsync(message);

        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
    }

    [Theory]
    [InlineData("/api/v1/requests?filedFrom=abc", "filedFrom")]
    [InlineData("/api/v1/requests?page=x", "page")]
    [InlineData("/api/v1/agencies?country=gb", "country")]
    [InlineData("/api/v1/mlat/drafts?includeClosed=maybe", "includeClosed")]
    [InlineData("/api/v1/mlat/drafts?pageSize=x", "pageSize")]
    public async Task A_query_value_that_cannot_be_read_is_named_without_the_framework_s_words(string path, string field)
    {
        using var officer = await broker.ClientAsync("met-case-system");

        using var response = await officer.GetAsync(path);
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.DoesNotContain("DateTimeOffset", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", problem.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/requests?page=21474838&pageSize=100")]
    [InlineData("/api/v1/requests?page=0")]
    public async Task A_page_beyond_the_bounds_gets_a_problem_naming_the_page(string path)
    {
        using var officer = await broker.ClientAsync("met-case-system");

        using var response = await officer.GetAsync(path);
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("page", out _), problem.ToString());
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Bad_body_gets_a_problem_naming_the_field_and_nothing_is_stored(string because, string body, int status, string field)
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var before = await CountsAsync();

        using var response = await officer.PostAsync("/api/v1/requests", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await response.JsonAsync();

        Assert.True(status == (int)response.StatusCode, $"{because}: {(int)response.StatusCode} {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        if (field.Length > 0)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
                $"{because}: expected an error for '{field}' in {problem}");
        }

        Assert.Equal(before, await CountsAsync());
    }

    public static TheoryData<string, string, string, string?, string> LowerCaseCountries()
    {
        var sample = SampleRequests.MetToNorthwindSubscriber();
        var dryRun = sample.Without("providerId").With("providerJurisdiction", "us");
        return new TheoryData<string, string, string, string?, string>
        {
            { "met-case-system", "POST", "/api/v1/requests", sample.With("requestingCountry", "gb").ToJsonString(), "requestingCountry" },
            { "met-case-system", "POST", "/api/v1/requests", sample.With("target", new JsonObject { ["nationality"] = "gb" }).ToJsonString(), "target.nationality" },
            { "met-case-system", "POST", "/api/v1/policy/evaluate", dryRun.ToJsonString(), "providerJurisdiction" },
            { "met-case-system", "GET", "/api/v1/requests?requestingCountry=gb", null, "requestingCountry" },
            { "met-case-system", "GET", "/api/v1/agencies?country=gb", null, "country" },
            { "ipco-oversight", "POST", "/api/v1/exports/oversight-reports", """{ "from": "2026-11-01", "to": "2026-11-30", "requestingCountry": "gb" }""", "requestingCountry" },
            { "ipco-oversight", "POST", "/api/v1/exports/transparency-reports", """{ "period": "2026-H2", "requestingCountry": "gb" }""", "requestingCountry" },
            { "broker-admin", "POST", "/api/v1/policy/suspensions", """{ "country": "gb", "reason": "Review of safeguards." }""", "country" },
            { "broker-admin", "DELETE", "/api/v1/policy/suspensions/gb", null, "country" },
        };
    }

    /// <summary>
    /// Each place that takes a country had its own copy of the check and its own words, and they drifted: some never said
    /// the code must be in capitals, which is all that is wrong with "gb".
    /// </summary>
    [Theory]
    [MemberData(nameof(LowerCaseCountries))]
    public async Task A_country_code_in_lower_case_is_refused_in_the_same_words_wherever_it_is_given(string clientId, string method, string path, string? body, string field)
    {
        using var client = await broker.ClientAsync(clientId);
        using var message = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            message.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(message);
        var problem = await response.JsonAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {problem}");
        Assert.Equal([CountryCode.Rule], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("Agency", "agency.country")]
    [InlineData("Provider", "provider.country")]
    public async Task The_directory_page_refuses_a_country_that_is_not_a_code_in_the_same_words_as_the_API(string handler, string field)
    {
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var page = await admin.PostFormAsync($"/portal/admin?handler={handler}", new() { ["Id"] = "es-gc", ["Country"] = "E5", ["Name"] = "Guardia Civil" });
        var shown = Regex.Match(page.Body, $"""data-error-for="{Regex.Escape(field)}"[^>]*>(?<message>[^<]*)<""").Groups["message"].Value;

        Assert.Equal(CountryCode.Rule, WebUtility.HtmlDecode(shown));
    }

    /// <summary>
    /// The free-text fields of a request share one rule with an action's reason and a suspension's reason; the
    /// justification had its own words ("Control characters are not allowed.") for the same refusal.
    /// </summary>
    [Theory]
    [InlineData("justification", RequestContentValidator.MaxTextLength)]
    [InlineData("emergencyThreat", RequestContentValidator.MaxEmergencyThreatLength)]
    public async Task A_bell_character_in_a_request_s_free_text_is_refused_in_the_free_text_words_with_the_field_s_own_limit(string field, int maxLength)
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var body = SampleRequests.MetToNorthwindSubscriber().With(field, "Facts linking the account to the offence.\u0007").ToJsonString();

        using var response = await officer.PostAsync("/api/v1/requests", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await response.JsonAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {problem}");
        Assert.Equal([FreeText.Rule(maxLength)], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task An_enum_given_as_a_list_is_explained_as_such()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var body = SampleRequests.MetToNorthwindSubscriber().With("urgency", "standard, preservation").ToJsonString();

        using var response = await officer.PostAsync("/api/v1/requests", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal("One of the allowed values is expected, not a list of them.",
            (await response.JsonAsync()).GetProperty("errors").GetProperty("urgency")[0].GetString());
    }

    [Fact]
    public async Task Oversize_body_is_refused_with_413()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var huge = SampleRequests.MetToNorthwindSubscriber().With("justification", new string('x', 200_000));

        using var response = await officer.PostAsync("/api/v1/requests", new StringContent(huge.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(413, (await response.JsonAsync()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Oversize_chunked_body_is_refused_with_413()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var huge = SampleRequests.MetToNorthwindSubscriber().With("justification", new string('x', 200_000)).ToJsonString();
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests") { Content = content };
        message.Headers.TransferEncodingChunked = true;

        using var response = await officer.SendAsync(message);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Wrong_content_type_is_refused_with_415()
    {
        using var officer = await broker.ClientAsync("met-case-system");

        using var response = await officer.PostAsync("/api/v1/requests",
            new StringContent(SampleRequests.MetToNorthwindSubscriber().ToJsonString(), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(415, (await response.JsonAsync()).GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("application/json; charset=x-unknown")]
    [InlineData("application/json; charset=")]
    public async Task A_charset_the_broker_cannot_read_is_refused_with_415(string contentType)
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var before = await broker.WithDbAsync(db => db.Requests.CountAsync());
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(SampleRequests.MetToNorthwindSubscriber().ToJsonString()));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await officer.PostAsync("/api/v1/requests", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await broker.WithDbAsync(db => db.Requests.CountAsync()));
    }

    [Fact]
    public async Task Bad_idempotency_key_is_named()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = new StringContent(SampleRequests.MetToNorthwindSubscriber().ToJsonString(), Encoding.UTF8, "application/json"),
        };
        message.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 200));

        using var response = await officer.SendAsync(message);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Fact]
    public async Task Unknown_route_gets_a_problem_document()
    {
        using var officer = await broker.ClientAsync("met-case-system");

        using var response = await officer.GetAsync("/api/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private Task<(int Requests, int Audit, int Outbox)> CountsAsync() =>
        broker.WithDbAsync(async db => (await db.Requests.CountAsync(), await db.AuditEntries.CountAsync(), await db.Outbox.CountAsync()));
}
