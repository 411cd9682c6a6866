using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Hosting;

/// <summary>The served OpenAPI document says what the API takes, answers and asks of its callers.</summary>
public sealed partial class OpenApiDocumentTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var client = broker.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return await response.JsonAsync();
    }

    private static JsonElement Schema(JsonElement document, string name) => document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static JsonElement Operation(JsonElement document, string path, string method) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method);

    private static string[] Types(JsonElement schema) =>
        schema.GetProperty("type") is { ValueKind: JsonValueKind.Array } many ? [.. many.EnumerateArray().Select(t => t.GetString()!)] : [schema.GetProperty("type").GetString()!];

    private static string[] Names(JsonElement schema) => [.. schema.GetProperty("enum").EnumerateArray().Select(n => n.GetString()!)];

    private static string[] Statuses(JsonElement operation) => [.. operation.GetProperty("responses").EnumerateObject().Select(r => r.Name)];

    [Fact]
    public async Task Enums_are_strings_listing_their_wire_names()
    {
        var document = await DocumentAsync();

        Assert.Equal(["string"], Types(Schema(document, "RequestState")));
        Assert.Equal(Wire.Names<RequestState>(), Names(Schema(document, "RequestState")));
        Assert.Contains("clarification-requested", Names(Schema(document, "RequestState"))); // kebab-case, as the wire has it
        Assert.Equal(Wire.Names<Urgency>(), Names(Schema(document, "Urgency")));
        Assert.Equal(Wire.Names<IdentifierType>(), Names(Schema(document, "IdentifierType")));
        Assert.Equal(Wire.Names<Outcome>(), Names(Schema(document, "Outcome"))); // not null: its first use is nullable (Outcome?)
        Assert.Equal(Wire.Names<ExportKind>(), Names(Schema(document, "ExportKind")));
        var categories = Schema(document, "RequestContent").GetProperty("properties").GetProperty("dataCategories");
        Assert.Equal(Wire.Names<DataCategory>(), Names(categories.GetProperty("items")));
    }

    [Fact]
    public async Task Strings_are_typed_as_strings()
    {
        var document = await DocumentAsync();

        var content = Schema(document, "RequestContent").GetProperty("properties");
        Assert.Equal(["string"], Types(content.GetProperty("requestingCountry")));
        Assert.Equal(["string"], Types(content.GetProperty("justification")));
        Assert.Contains("null", Types(content.GetProperty("agencyId"))); // declared string?
        Assert.Equal(["string"], Types(Schema(document, "Identifier").GetProperty("properties").GetProperty("value")));
        Assert.Contains("string", Types(Schema(document, "ProblemDetails").GetProperty("properties").GetProperty("title")));
        var list = Operation(document, "/api/v1/requests", "get").GetProperty("parameters").EnumerateArray().ToList();
        Assert.All(["state", "outcome", "channel", "agencyId"], name => Assert.Equal(["string"], Types(list.Single(p => p.GetProperty("name").GetString() == name).GetProperty("schema"))));
        var key = Operation(document, "/api/v1/requests", "post").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal(["string"], Types(key.GetProperty("schema")));
    }

    /// <summary>Free-form JSON by design, none so far: every schema says what it holds.</summary>
    private static readonly string[] FreeForm = [];

    [Fact]
    public async Task No_schema_is_left_empty()
    {
        var document = await DocumentAsync();

        var empty = new List<string>();
        foreach (var schema in document.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            CollectEmpty(schema.Value, $"#/components/schemas/{schema.Name}", empty);
        }

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                foreach (var parameter in operation.Value.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray().ToArray() : [])
                {
                    CollectEmpty(parameter.GetProperty("schema"), $"{operation.Name} {path.Name} {parameter.GetProperty("name").GetString()}", empty);
                }
            }
        }

        Assert.Equal(FreeForm.AsEnumerable(), empty);
    }

    private static readonly string[] Compositions = ["oneOf", "anyOf", "allOf"];

    /// <summary>Empty schemas (anything goes) and arrays or maps that do not say what they hold, under a schema.</summary>
    private static void CollectEmpty(JsonElement schema, string at, List<string> empty)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (!schema.EnumerateObject().Any(p => p.Name is not ("description" or "default" or "example")))
        {
            empty.Add(at);
            return;
        }

        var types = schema.TryGetProperty("type", out var type)
            ? type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToArray() : [type.GetString()]
            : [];
        if (types.Contains("array") && !schema.TryGetProperty("items", out _))
        {
            empty.Add(at + " (array without items)");
        }

        if (types.Contains("object") && !schema.TryGetProperty("properties", out _) && !schema.TryGetProperty("additionalProperties", out _))
        {
            empty.Add(at + " (object without properties)");
        }

        foreach (var property in schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().ToArray() : [])
        {
            CollectEmpty(property.Value, $"{at}.{property.Name}", empty);
        }

        if (schema.TryGetProperty("items", out var items)) { CollectEmpty(items, at + "[]", empty); }
        if (schema.TryGetProperty("additionalProperties", out var values)) { CollectEmpty(values, at + "{}", empty); }
        foreach (var keyword in Compositions)
        {
            if (schema.TryGetProperty(keyword, out var choices))
            {
                var i = 0;
                foreach (var choice in choices.EnumerateArray())
                {
                    CollectEmpty(choice, $"{at}/{keyword}/{i++}", empty);
                }
            }
        }
    }

    [Fact]
    public async Task Clients_are_told_to_get_a_token_by_client_credentials_with_the_broker_scopes()
    {
        var document = await DocumentAsync();

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("oauth2");
        Assert.Equal("oauth2", scheme.GetProperty("type").GetString());
        var flow = scheme.GetProperty("flows").GetProperty("clientCredentials");
        Assert.Equal("/connect/token", flow.GetProperty("tokenUrl").GetString());
        var scopes = flow.GetProperty("scopes").EnumerateObject().ToDictionary(s => s.Name, s => s.Value.GetString());
        Assert.Equal(BrokerScopes.All.Order(StringComparer.Ordinal), scopes.Keys.Order(StringComparer.Ordinal));
        Assert.All(scopes.Values, description => Assert.False(string.IsNullOrWhiteSpace(description)));
    }

    [Fact]
    public async Task Filing_names_its_scope_and_every_refusal_it_can_answer()
    {
        var document = await DocumentAsync();

        var filing = Operation(document, "/api/v1/requests", "post");
        var requirement = Assert.Single(filing.GetProperty("security").EnumerateArray());
        Assert.Equal([BrokerScopes.RequestsWrite], requirement.GetProperty("oauth2").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal(["201", "400", "401", "403", "409", "413", "415", "429"], Statuses(filing).Order(StringComparer.Ordinal));
        Assert.True(filing.GetProperty("responses").GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
        // Reading is not rate-limited and takes no body.
        Assert.Equal(["200", "400", "401", "403"], Statuses(Operation(document, "/api/v1/requests", "get")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_policy_that_takes_any_of_several_scopes_is_offered_as_alternatives()
    {
        var document = await DocumentAsync();

        var requirements = Operation(document, "/api/v1/requests/{id}", "get").GetProperty("security").EnumerateArray()
            .Select(r => Assert.Single(r.GetProperty("oauth2").EnumerateArray()).GetString()!);
        Assert.Equal(BrokerPolicies.ScopesOf(BrokerPolicies.ReadRequests).Order(StringComparer.Ordinal), requirements.Order(StringComparer.Ordinal));
        var anyTenant = Assert.Single(Operation(document, "/api/v1/providers", "get").GetProperty("security").EnumerateArray());
        Assert.Empty(anyTenant.GetProperty("oauth2").EnumerateArray()); // any tenant's token
    }

    [Fact]
    public async Task The_timeline_s_sequence_is_described_as_oversight_s_and_administrators_only()
    {
        var document = await DocumentAsync();

        var entry = Schema(document, "TimelineEntry");
        var sequence = entry.GetProperty("properties").GetProperty("sequence");

        Assert.Contains("for oversight and administrators only", sequence.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(entry.TryGetProperty("required", out var required) && required.EnumerateArray().Any(r => r.GetString() == "sequence"));
    }

    [Fact]
    public async Task Every_api_operation_that_requires_authorization_says_so_and_lists_401_and_403()
    {
        var document = await DocumentAsync();
        var guarded = broker.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<IAuthorizeData>() is not null || e.Metadata.GetMetadata<AuthorizationPolicy>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Where(method => method != "HEAD").Select(method => // listed as its GET
                (Path: Constraint().Replace(e.RoutePattern.RawText!.TrimEnd('/'), "{$1}"), Method: method.ToLowerInvariant())))
            .ToList();

        Assert.True(guarded.Count > 50, $"found only {guarded.Count} guarded operations");
        Assert.All(guarded, endpoint =>
        {
            var operation = Operation(document, endpoint.Path, endpoint.Method);
            Assert.True(operation.TryGetProperty("security", out var security) && security.GetArrayLength() > 0, $"{endpoint} has no security");
            Assert.Contains("401", Statuses(operation));
            Assert.Contains("403", Statuses(operation));
        });
    }

    [GeneratedRegex(@"\{([^}:?]+)(?::[^}]*)?\}")]
    private static partial Regex Constraint();

    [Theory]
    [InlineData("/api/v1/requests/{id}/dossier.pdf", "get", "application/pdf")]
    [InlineData("/api/v1/exports/requests/{id}/mlat-draft.pdf", "get", "application/pdf")]
    [InlineData("/api/v1/exports/jobs/{id}/file", "get", "application/pdf")]
    [InlineData("/api/v1/exports/jobs/{id}/file", "get", "text/csv")]
    [InlineData("/api/v1/requests/{id}/productions/{productionId}/content", "get", "application/octet-stream")]
    [InlineData("/api/v1/requests/{id}/decision", "get", "application/json")]
    [InlineData("/api/v1/policy/evaluate", "post", "application/json")]
    public async Task A_success_that_is_not_a_typed_result_is_listed_with_its_media_type(string path, string method, string mediaType)
    {
        var document = await DocumentAsync();

        var success = Operation(document, path, method).GetProperty("responses").GetProperty("200");
        Assert.True(success.GetProperty("content").TryGetProperty(mediaType, out var content), $"{path}: {success}");
        if (mediaType != "application/json")
        {
            var schema = content.GetProperty("schema");
            if (schema.TryGetProperty("$ref", out var reference))
            {
                schema = Schema(document, reference.GetString()!.Split('/')[^1]);
            }

            Assert.Equal("binary", schema.GetProperty("format").GetString()); // the file's bytes
        }
    }

    [Fact]
    public async Task A_production_is_uploaded_as_raw_bytes_named_by_a_required_file_name()
    {
        var document = await DocumentAsync();

        var upload = Operation(document, "/api/v1/requests/{id}/productions", "post");
        Assert.True(upload.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/octet-stream", out _));
        var fileName = upload.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "fileName");
        Assert.True(fileName.GetProperty("required").GetBoolean());
        Assert.Contains("413", Statuses(upload));
        Assert.DoesNotContain("415", Statuses(upload)); // any media type is taken
    }

    [Theory]
    [InlineData("/api/v1/requests/{id}/acknowledge", "post", "409", true)]
    [InlineData("/api/v1/requests/{id}/review", "post", "409", true)]
    [InlineData("/api/v1/requests/{id}/review", "post", "422", true)]
    [InlineData("/api/v1/requests/{id}/preservation/extension", "post", "422", true)]
    [InlineData("/api/v1/requests/{id}/preservation/conversion", "post", "422", true)]
    [InlineData("/api/v1/requests/{id}/acknowledge", "post", "422", false)]
    [InlineData("/api/v1/requests/{id}/validation", "post", "409", false)]
    [InlineData("/api/v1/mlat/drafts/{id}/sent", "post", "409", true)]
    [InlineData("/api/v1/policy/versions/{version}/activate", "post", "409", true)]
    [InlineData("/api/v1/exports/oversight-reports", "post", "409", true)]
    [InlineData("/api/v1/exports/jobs/{id}/file", "get", "409", true)]
    [InlineData("/api/v1/exports/jobs/{id}", "get", "409", false)]
    [InlineData("/api/v1/admin/webhooks/dead-letters/{id}/retry", "post", "409", true)]
    [InlineData("/api/v1/audit/verify", "get", "429", true)]
    [InlineData("/api/v1/requests/{id}", "get", "429", false)]
    [InlineData("/api/v1/mlat/drafts", "get", "400", true)] // includeClosed=maybe
    [InlineData("/api/v1/providers", "get", "400", false)]
    public async Task A_refusal_is_listed_exactly_where_the_operation_can_answer_it(string path, string method, string status, bool listed)
    {
        var document = await DocumentAsync();

        Assert.Equal(listed, Statuses(Operation(document, path, method)).Contains(status));
    }

    [Fact]
    public async Task A_list_filter_names_the_wire_names_it_takes_and_takes_each_of_them()
    {
        var document = await DocumentAsync();
        using var officer = await broker.ClientAsync("met-case-system");

        var parameters = Operation(document, "/api/v1/requests", "get").GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema"));
        Assert.Equal(Wire.Names<RequestState>(), Names(parameters["state"]));
        Assert.Equal(Wire.Names<Outcome>(), Names(parameters["outcome"]));
        Assert.Equal(Wire.Names<LegalInstrument>(), Names(parameters["channel"]));
        foreach (var name in (string[])["state", "outcome", "channel"])
        {
            foreach (var value in Names(parameters[name]))
            {
                using var taken = await officer.GetAsync($"/api/v1/requests?{name}={value}");
                Assert.True(taken.StatusCode == HttpStatusCode.OK, $"{name}={value}: {(int)taken.StatusCode}");
            }

            using var refused = await officer.GetAsync($"/api/v1/requests?{name}=nonsense");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
    }

    [Theory]
    [InlineData("/api/v1/requests", "met-case-system")]
    [InlineData("/api/v1/provider/inbox", "northwind-legal")]
    [InlineData("/api/v1/mlat/drafts", "met-case-system")]
    [InlineData("/api/v1/admin/webhooks/dead-letters", "broker-admin")]
    public async Task A_lists_page_and_page_size_bounds_are_documented_as_the_list_checks_them(string path, string clientId)
    {
        var document = await DocumentAsync();
        using var client = await broker.ClientAsync(clientId);

        var parameters = Operation(document, path, "get").GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema"));
        foreach (var (name, other) in new[] { ("page", "pageSize=1"), ("pageSize", "page=1") })
        {
            var minimum = parameters[name].GetProperty("minimum").GetInt32();
            var maximum = parameters[name].GetProperty("maximum").GetInt32();
            Assert.Equal(1, minimum);
            Assert.Equal(name == "page" ? ResultPages.MaxPage : ResultPages.MaxPageSize, maximum);
            foreach (var (value, taken) in new[] { (minimum, true), (maximum, true), (minimum - 1, false), (maximum + 1, false) })
            {
                using var response = await client.GetAsync($"{path}?{other}&{name}={value}");
                Assert.True(taken == (response.StatusCode == HttpStatusCode.OK), $"{name}={value}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task A_reviews_decision_is_one_of_the_three_the_reviewer_can_take()
    {
        var document = await DocumentAsync();

        var decision = Schema(document, "ReviewBody").GetProperty("properties").GetProperty("decision");

        Assert.Equal(ReviewBody.Decisions, Names(decision));
    }

    [Theory]
    [InlineData("ProblemDetails")]
    [InlineData("HttpValidationProblemDetails")]
    public async Task A_problem_may_carry_members_of_its_own_and_names_the_brokers(string name)
    {
        var document = await DocumentAsync();

        var problem = Schema(document, name);

        Assert.False(problem.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False);
        var members = problem.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        Assert.All((string[])["traceId", "state", "allowedActions", "existingRequestId", "existingJobId", "deciding", "jobStatus", "progress", "messageStatus"], member => Assert.Contains(member, members));
    }

    [Fact]
    public async Task A_property_written_only_when_it_has_a_value_is_not_required_where_the_broker_writes_it()
    {
        var document = await DocumentAsync();

        Assert.DoesNotContain("onFailure", Required(Schema(document, "RuleResult")));
        Assert.DoesNotContain("breachedAt", Required(Schema(document, "DeadlineResource")));
        Assert.DoesNotContain("brokenAt", Required(Schema(document, "VerifyReport")));
        Assert.DoesNotContain("error", Required(Schema(document, "ExportJobResource")));
        Assert.DoesNotContain("url", Required(Schema(document, "WebhookEndpointResource")));
        Assert.DoesNotContain("deliveredAt", Required(Schema(document, "OutboxMessageResource")));
        Assert.Contains("dueAt", Required(Schema(document, "DeadlineResource"))); // never null
        Assert.Contains("url", Required(Schema(document, "WebhookEndpointChange"))); // read: must be sent, null to clear it
    }

    private static string[] Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];
}
