using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Development;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Tests.Auth;
using EvidenceBroker.Server.Tests.Infrastructure;
using Json.Schema;

namespace EvidenceBroker.Server.Tests.Hosting;

/// <summary>
/// The OpenAPI document against what the broker does, on the authorisation matrix's subjects: who each operation lets
/// through, and what its answers hold. Integrations are built from the document, so where it and the broker part, the
/// document is wrong.
/// </summary>
public sealed partial class OpenApiConformanceTests(MatrixFixture fixture) : IClassFixture<MatrixFixture>
{
    private static readonly Dictionary<string, DevelopmentSeed.DemoClient> Clients =
        DevelopmentSeed.Clients.ToDictionary(c => c.ClientId, StringComparer.Ordinal);

    private async Task<JsonObject> DocumentAsync()
    {
        using var client = fixture.Broker.CreateClient();
        return JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!.AsObject();
    }

    private static IEnumerable<(string Method, string Template, int[] Expected)> Rows() =>
        AuthorizationMatrixTests.Matrix.Select(row => ((string)row[0], (string)row[1], (int[])row[2]));

    /// <summary>403s that answer what the call asks for, not who asks: another agency files the Met's request.</summary>
    private static readonly HashSet<(string Method, string Template, string Caller)> RefusedForTheResource =
    [
        ("POST", "/api/v1/requests", "bka-case-system"),
    ];

    [Fact]
    public async Task Each_operation_lets_through_in_its_document_exactly_the_callers_the_broker_lets_through()
    {
        var document = await DocumentAsync();

        var mismatches = new List<string>();
        foreach (var (method, template, expected) in Rows())
        {
            var operation = Operation(document, method, template);
            for (var i = 0; i < AuthorizationMatrixTests.Callers.Length; i++)
            {
                // 404 hides another tenant's request before its role is looked at: it says nothing of the scopes.
                if (AuthorizationMatrixTests.Callers[i] is not { } caller || expected[i] is 401 or 404
                    || RefusedForTheResource.Contains((method, template, caller)))
                {
                    continue;
                }

                var client = Clients[caller];
                var documented = LetsThrough(operation, client.GrantedScopes, client.Tenant.Kind);
                if (documented != (expected[i] != 403))
                {
                    mismatches.Add($"{method} {template}: {caller} ({string.Join(' ', client.GrantedScopes)}) gets {expected[i]}, " +
                                   $"the document says it is {(documented ? "" : "not ")}let through ({Requirements(operation)})");
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task A_token_with_part_of_a_clients_scopes_is_let_through_exactly_where_the_document_says()
    {
        var document = await DocumentAsync();

        var mismatches = new List<string>();
        foreach (var (method, template, expected) in Rows())
        {
            var operation = Operation(document, method, template);
            for (var i = 0; i < AuthorizationMatrixTests.Callers.Length; i++)
            {
                if (AuthorizationMatrixTests.Callers[i] is not { } caller || expected[i] is 401 or 403 or 404
                    || Clients[caller].GrantedScopes is not { Count: > 1 } granted)
                {
                    continue;
                }

                foreach (var scope in granted)
                {
                    // A token asked for with one scope of those its client holds.
                    using var client = fixture.Broker.CreateClient();
                    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.Broker.TokenAsync(caller, scope));
                    using var message = new HttpRequestMessage(new HttpMethod(method), fixture.Url(template))
                    {
                        Content = AuthorizationMatrixTests.BodyFor(method, template),
                    };
                    using var response = await client.SendAsync(message);
                    var documented = LetsThrough(operation, [scope], Clients[caller].Tenant.Kind);
                    // A token let through may still find the request hidden from it (404): the agency's without requests.read.
                    var disagrees = documented
                        ? response.StatusCode == HttpStatusCode.Forbidden
                        : response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.NotFound);
                    if (disagrees)
                    {
                        mismatches.Add($"{method} {template}: {caller} with only {scope} gets {(int)response.StatusCode}, " +
                                       $"the document says it is {(documented ? "" : "not ")}let through ({Requirements(operation)})");
                    }
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task Every_answer_on_the_matrix_is_what_the_document_says_it_is()
    {
        var document = await DocumentAsync();

        var mismatches = new List<string>();
        var checkedAnswers = 0;
        foreach (var (method, template, _) in Rows())
        {
            var operation = Operation(document, method, template);
            foreach (var caller in AuthorizationMatrixTests.Callers)
            {
                using var client = await fixture.Broker.ClientAsync(caller);
                if (method == "DELETE" && caller == "broker-admin")
                {
                    using var suspend = await client.PostJsonAsync("/api/v1/policy/suspensions", new { country = "JP", reason = "conformance test" });
                }

                using var message = new HttpRequestMessage(new HttpMethod(method), fixture.Url(template))
                {
                    Content = AuthorizationMatrixTests.BodyFor(method, template),
                };
                using var response = await client.SendAsync(message);
                var body = await response.Content.ReadAsStringAsync();
                if (method == "POST" && template == "/api/v1/policy/suspensions" && response.IsSuccessStatusCode)
                {
                    using var lift = await client.DeleteAsync("/api/v1/policy/suspensions/JP");
                }

                var at = $"{method} {template} as {caller ?? "anonymous"}: {(int)response.StatusCode}";
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                if (mediaType is null || !mediaType.EndsWith("json", StringComparison.Ordinal))
                {
                    continue; // files, and the token server's bare 401 and 403, which say what they are in WWW-Authenticate
                }

                if (SchemaOf(operation, (int)response.StatusCode, mediaType) is not { } schema)
                {
                    mismatches.Add($"{at} as {mediaType}, which the document does not list");
                    continue;
                }

                checkedAnswers++;
                if (DuplicateMember(body) is { } duplicate)
                {
                    mismatches.Add($"{at}: {duplicate}\n    {body}");
                }
                else if (Violations(document, schema, body) is { } violations)
                {
                    mismatches.Add($"{at}: {violations}\n    {body}");
                }
            }
        }

        Assert.True(checkedAnswers > 300, $"checked only {checkedAnswers} answers");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task A_409_names_the_state_of_what_it_refused_beside_its_own_status_not_in_its_place()
    {
        using var oversight = await fixture.Broker.ClientAsync("ipco-oversight");
        using var admin = await fixture.Broker.ClientAsync("broker-admin");
        using var queued = await oversight.PostJsonAsync("/api/v1/exports/transparency-reports", new { period = "2026-H1", format = "csv" });
        var job = (await queued.JsonAsync()).GetProperty("id").GetGuid();

        using var notReady = await oversight.GetAsync($"/api/v1/exports/jobs/{job}/file");
        using var notDead = await admin.PostAsync($"/api/v1/admin/webhooks/dead-letters/{fixture.OutboxMessage}/retry", null);

        foreach (var (response, member, value) in new[] { (notReady, "jobStatus", "queued"), (notDead, "messageStatus", "pending") })
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Null(DuplicateMember(body));
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(409, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Contains(problem.RootElement.GetProperty(member).GetString(), (string[])[value, "delivered", "running"]);
        }
    }

    [Theory]
    [InlineData("/api/v1/exports/oversight-reports")]
    [InlineData("/api/v1/exports/audit-trails")]
    [InlineData("/api/v1/exports/transparency-reports")]
    public async Task A_field_refused_as_missing_from_an_empty_body_is_required_in_its_schema(string path)
    {
        var document = await DocumentAsync();
        using var oversight = await fixture.Broker.ClientAsync("ipco-oversight");

        using var response = await oversight.PostJsonAsync(path, new { });
        var errors = (await response.JsonAsync()).GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var schema = Resolve(document, Operation(document, "POST", path)["requestBody"]!["content"]!["application/json"]!["schema"]!);
        var required = schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
        Assert.NotEmpty(errors);
        Assert.All(errors, field => Assert.Contains(field, required));
    }

    /// <summary>Whether a token of a tenant of <paramref name="kind"/> holding <paramref name="scopes"/> meets one of the operation's requirements.</summary>
    private static bool LetsThrough(JsonObject operation, IReadOnlyCollection<string> scopes, TenantKind kind)
    {
        if (operation["x-tenant-kinds"] is JsonArray kinds && !kinds.Any(k => k!.GetValue<string>() == Wire.Name(kind)))
        {
            return false;
        }

        return operation["security"]!.AsArray().Any(requirement =>
            requirement!["oauth2"]!.AsArray().All(scope => scopes.Contains(scope!.GetValue<string>())));
    }

    private static string Requirements(JsonObject operation) =>
        string.Join(" | ", operation["security"]!.AsArray().Select(r => string.Join(" + ", r!["oauth2"]!.AsArray().Select(s => s!.GetValue<string>())))) +
        (operation["x-tenant-kinds"] is { } kinds ? $", for {kinds.ToJsonString()}" : "");

    /// <summary>The documented operation a matrix row calls: its path with the row's subjects in place of the parameters.</summary>
    private static JsonObject Operation(JsonObject document, string method, string template)
    {
        var path = template.Split('?')[0];
        var matches = document["paths"]!.AsObject()
            .Where(p => p.Value![method.ToLowerInvariant()] is not null && PathPattern(p.Key).IsMatch(path))
            .OrderBy(p => p.Key.Count(c => c == '{'))
            .ToList();
        Assert.True(matches.Count > 0, $"{method} {template} is not in the document");
        return matches[0].Value![method.ToLowerInvariant()]!.AsObject();
    }

    private static Regex PathPattern(string documented) =>
        new("^" + Parameter().Replace(Regex.Escape(documented).Replace(@"\{", "{", StringComparison.Ordinal), "[^/]+") + "$");

    [GeneratedRegex(@"\{[^}/]+\}")]
    private static partial Regex Parameter();

    private static JsonNode? SchemaOf(JsonObject operation, int status, string mediaType)
    {
        var responses = operation["responses"]!.AsObject();
        var response = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? responses["default"];
        return response?["content"]?[mediaType]?["schema"];
    }

    private static JsonObject Resolve(JsonObject document, JsonNode schema) =>
        schema["$ref"] is { } reference
            ? document["components"]!["schemas"]![reference.GetValue<string>().Split('/')[^1]]!.AsObject()
            : schema.AsObject();

    /// <summary>A member named twice in one object, which readers take in different ways (the first, the last, or neither).</summary>
    private static string? DuplicateMember(string body)
    {
        try
        {
            using var parsed = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return null;
        }
        catch (JsonException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// What in <paramref name="body"/> breaks <paramref name="schema"/>, by JSON Schema (2020-12, as OpenAPI 3.1 writes
    /// it) with the document's component schemas as its definitions; null when nothing does.
    /// </summary>
    /// <summary>Each answer's schema built once: the matrix checks some 600 answers against a few dozen schemas.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonSchema> Built = new(StringComparer.Ordinal);

    private static string? Violations(JsonObject document, JsonNode schema, string body)
    {
        var built = Built.GetOrAdd(schema.ToJsonString(), text =>
        {
            var root = JsonNode.Parse(text.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))!.AsObject();
            root["$defs"] = JsonNode.Parse(document["components"]!["schemas"]!.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal));
            return JsonSchema.FromText(root.ToJsonString());
        });
        var result = built.Evaluate(JsonNode.Parse(body), new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? null
            : string.Join("; ", (result.Details ?? []).Where(d => d.HasErrors).SelectMany(d =>
                d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}")));
    }
}
