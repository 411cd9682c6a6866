using System.Net;
using System.Net.Http.Json;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Notifications;

/// <summary>
/// An Idempotency-Key on a webhook endpoint's PUT names one change, as a filing's or a report order's does: sent again
/// with another URL, or for another recipient, it is refused (409) rather than applied as a new change.
/// </summary>
public sealed class WebhookIdempotencyKeyTests
{
    [Theory]
    [InlineData("agencies/gb-met", "https://hooks.example/two")] // another URL
    [InlineData("providers/northwind-mail", "https://hooks.example/one")] // the same URL, for another recipient
    public async Task A_key_sent_again_with_another_change_is_a_409_and_changes_nothing(string recipient, string url)
    {
        await using var broker = new WebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        var urlBefore = await UrlAsync(admin, recipient);
        using var first = await PutAsync(admin, "agencies/gb-met", "https://hooks.example/one", "wh-1");

        using var reused = await PutAsync(admin, recipient, url, "wh-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(recipient == "agencies/gb-met" ? "https://hooks.example/one" : urlBefore, await UrlAsync(admin, recipient));
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "webhook.endpoint-changed")));
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient admin, string recipient, string url, string key)
    {
        var message = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/admin/{recipient}/webhook") { Content = JsonContent.Create(new { url }) };
        message.Headers.Add("Idempotency-Key", key);
        return admin.SendAsync(message);
    }

    private static async Task<string?> UrlAsync(HttpClient admin, string recipient)
    {
        using var read = await admin.GetAsync($"/api/v1/admin/{recipient}/webhook");
        return (await read.JsonAsync()).TryGetProperty("url", out var url) ? url.GetString() : null; // a null is left out
    }
}
