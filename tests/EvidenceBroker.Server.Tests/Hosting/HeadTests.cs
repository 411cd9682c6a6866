using System.Net;
using System.Text.Json;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Hosting;

/// <summary>
/// HEAD on the API answers as GET does, without the body (RFC 9110 §9.3.2): same status, same headers, same
/// authorisation. It sends no content, so it records no download.
/// </summary>
public sealed class HeadTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private async Task<HttpResponseMessage> SendAsync(string? client, HttpMethod method, string url)
    {
        using var caller = await broker.ClientAsync(client);
        using var message = new HttpRequestMessage(method, url);
        return await caller.SendAsync(message);
    }

    [Fact]
    public async Task A_head_on_a_request_of_ones_own_answers_200_with_the_get_s_headers_and_no_body()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());

        foreach (var url in new[] { $"/api/v1/requests/{id}", "/api/v1/requests", $"/api/v1/requests/{id}/timeline" })
        {
            using var get = await SendAsync("met-case-system", HttpMethod.Get, url);
            using var head = await SendAsync("met-case-system", HttpMethod.Head, url);

            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(get.Content.Headers.ContentType?.ToString(), head.Content.Headers.ContentType?.ToString());
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task A_head_on_another_agency_s_request_is_404_as_its_get_is_and_without_a_token_401()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());

        using var others = await SendAsync("bka-case-system", HttpMethod.Head, $"/api/v1/requests/{id}");
        using var othersGet = await SendAsync("bka-case-system", HttpMethod.Get, $"/api/v1/requests/{id}");
        using var anonymous = await SendAsync(null, HttpMethod.Head, $"/api/v1/requests/{id}");

        Assert.Equal(HttpStatusCode.NotFound, othersGet.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, others.StatusCode);
        Assert.Equal("application/problem+json", others.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await others.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_head_on_a_dossier_or_a_production_answers_200_and_records_no_download()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("northwind-legal", id, "acknowledge")).Status);
        await broker.ProduceAsync("northwind-legal", id);
        var production = (await broker.GetAsync("met-case-system", $"/api/v1/requests/{id}/productions"))[0].GetProperty("id").GetGuid();

        using var dossier = await SendAsync("met-case-system", HttpMethod.Head, $"/api/v1/requests/{id}/dossier.pdf");
        using var content = await SendAsync("met-case-system", HttpMethod.Head, $"/api/v1/requests/{id}/productions/{production}/content");

        Assert.Equal(HttpStatusCode.OK, dossier.StatusCode);
        Assert.Equal("application/pdf", dossier.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal("application/zip", content.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await content.Content.ReadAsByteArrayAsync());
        var downloads = await broker.WithDbAsync(db => db.AuditEntries
            .Where(e => e.SubjectId == id.ToString() && e.Action.EndsWith(".downloaded")).Select(e => e.Action).ToListAsync());
        Assert.Empty(downloads);
    }

    [Fact]
    public async Task The_openapi_document_lists_no_head_operation()
    {
        using var client = broker.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var heads = document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(path => path.Value.TryGetProperty("head", out _)).Select(path => path.Name).ToList();

        Assert.Empty(heads);
        Assert.True(document.RootElement.GetProperty("paths").GetProperty("/api/v1/requests/{id}").TryGetProperty("get", out _));
    }
}
