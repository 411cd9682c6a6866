using System.Net.Http.Headers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Routing;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>Short calls for the lifecycle tests: file, act, read.</summary>
public static class Api
{
    public static async Task<Guid> FileAsync(this BrokerFactory broker, string clientId, JsonObject body, string? idempotencyKey = null)
    {
        using var client = await broker.ClientAsync(clientId);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(message);
        var json = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{json}\n{broker.ServerErrors}");
        return json.GetProperty("id").GetGuid();
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> ActAsync(
        this BrokerFactory broker, string clientId, Guid id, string action, object? body = null)
    {
        using var client = await broker.ClientAsync(clientId);
        using var content = new StringContent(body is null ? "" : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync($"/api/v1/requests/{id}/{action}", body is null ? null : content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> GetAsync(this BrokerFactory broker, string clientId, string url)
    {
        using var client = await broker.ClientAsync(clientId);
        using var response = await client.GetAsync(url);
        var json = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {json}");
        return json;
    }

    public static async Task<string> StateAsync(this BrokerFactory broker, string clientId, Guid id) =>
        (await broker.GetAsync(clientId, $"/api/v1/requests/{id}")).GetProperty("state").GetString()!;

    public static async Task<string> ReferenceAsync(this BrokerFactory broker, string clientId, Guid id) =>
        (await broker.GetAsync(clientId, $"/api/v1/requests/{id}")).GetProperty("reference").GetString()!;

    /// <summary>The provider's client uploads a small package as the production of <paramref name="id"/>.</summary>
    public static async Task ProduceAsync(this BrokerFactory broker, string providerClientId, Guid id)
    {
        using var provider = await broker.ClientAsync(providerClientId);
        using var package = new ByteArrayContent([1, 2, 3]);
        package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await provider.PostAsync($"/api/v1/requests/{id}/productions?fileName=records.zip", package);
        Assert.True(response.IsSuccessStatusCode, $"production: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// Stores the repository's policy pack with one line of a file replaced, and activates it: new requests are then
    /// decided under it.
    /// </summary>
    public static async Task ActivatePackWithAsync(this BrokerFactory broker, string file, string line, string replacement)
    {
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        Assert.Contains(line, files[file], StringComparison.Ordinal);
        files[file] = files[file].Replace(line, replacement, StringComparison.Ordinal);
        using var admin = await broker.ClientAsync("broker-admin");
        using var stored = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });
        var version = (await stored.JsonAsync()).GetProperty("version").GetString();
        using var activated = await admin.PostAsync($"/api/v1/policy/versions/{version}/activate", null);
        Assert.True(activated.IsSuccessStatusCode, await activated.Content.ReadAsStringAsync());
    }
}
