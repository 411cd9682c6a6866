using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Auth;

public sealed class TokenEndpointTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task Discovery_document_names_the_token_endpoint_and_the_configured_issuer()
    {
        using var client = broker.CreateClient();
        var discovery = await (await client.GetAsync("/.well-known/openid-configuration")).JsonAsync();

        Assert.Equal("http://localhost/", discovery.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost/connect/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.Contains("client_credentials", discovery.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Token_from_the_real_endpoint_opens_the_api()
    {
        using var client = await broker.ClientAsync("met-case-system");

        using var response = await client.GetAsync("/api/v1/requests");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Wrong_secret_gets_no_token()
    {
        using var client = broker.CreateClient();
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system", ["client_secret"] = "wrong",
        }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_client", (await response.JsonAsync()).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("multipart/form-data")] // no boundary
    [InlineData("multipart/form-data; boundary=x")] // a section that never ends (the reader throws an IOException)
    [InlineData("application/x-www-form-urlencoded")] // with more fields than a form may have (below)
    public async Task A_form_that_cannot_be_read_gets_a_400(string contentType)
    {
        using var client = broker.CreateClient();
        var body = contentType.StartsWith("multipart", StringComparison.Ordinal)
            ? "--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials"
            : string.Join('&', Enumerable.Range(0, 2_000).Select(i => $"f{i}=1"));
        using var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync("/connect/token", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_provider_cannot_obtain_the_filing_scope()
    {
        using var client = broker.CreateClient();
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "northwind-legal",
            ["client_secret"] = "dev-northwind-secret", ["scope"] = "requests.write",
        }));

        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(body.TryGetProperty("access_token", out _));
        Assert.Contains("scope", body.GetProperty("error_description").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_garbage_bearer_token_is_refused()
    {
        using var client = broker.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        using var response = await client.GetAsync("/api/v1/requests");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
