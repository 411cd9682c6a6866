using System.Net;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// The NUL character (U+0000): SQLite stores it, PostgreSQL refuses the statement that carries it. Every input that
/// reaches the database is refused with a 400 naming its field before it gets there, on both.
/// </summary>
public sealed class NulCharacterTests
{
    [Fact]
    public Task On_SQLite_a_NUL_in_a_body_or_a_filter_is_a_400_naming_the_field() => RefusedAsync(new BrokerFactory());

    [PostgresFact]
    public Task On_PostgreSQL_a_NUL_in_a_body_or_a_filter_is_a_400_naming_the_field() => RefusedAsync(new PostgresBrokerFactory());

    private static async Task RefusedAsync(BrokerFactory factory)
    {
        using var broker = factory;
        using var officer = await broker.ClientAsync("met-case-system");
        using var admin = await broker.ClientAsync("broker-admin");
        var before = await broker.WithDbAsync(db => db.Requests.CountAsync());

        using var filing = await officer.PostJsonAsync("/api/v1/requests",
            SampleRequests.MetToNorthwindSubscriber().With("offence", new JsonObject
            {
                ["description"] = "Fraud\u0000by false representation",
                ["maxPenaltyYears"] = 10,
            }));
        using var byAgency = await officer.GetAsync("/api/v1/requests?agencyId=gb%00met");
        using var byCountry = await officer.GetAsync("/api/v1/requests?requestingCountry=G%00");
        using var deadLetters = await admin.GetAsync("/api/v1/admin/webhooks/dead-letters?recipient=agency:gb%00met");
        var emergency = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        var validation = await broker.ActAsync("met-case-system", emergency, "validation",
            new { validatedBy = new { type = "judge", name = "Judge\u0000Dredd" } });
        var bell = await broker.ActAsync("met-case-system", emergency, "validation",
            new { validatedBy = new { type = "judge", name = "Judge\u0007Dredd" } });

        Assert.Equal(HttpStatusCode.BadRequest, filing.StatusCode);
        Assert.Contains("NUL", (await filing.JsonAsync()).GetProperty("errors").GetProperty("offence.description")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await broker.WithDbAsync(db => db.Requests.CountAsync())); // only the emergency
        Assert.True((await byAgency.JsonAsync()).GetProperty("errors").TryGetProperty("agencyId", out _), broker.ServerErrors.ToString());
        Assert.True((await byCountry.JsonAsync()).GetProperty("errors").TryGetProperty("requestingCountry", out _));
        Assert.True((await deadLetters.JsonAsync()).GetProperty("errors").TryGetProperty("recipient", out _));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (byAgency.StatusCode, byCountry.StatusCode, deadLetters.StatusCode));
        Assert.Equal(HttpStatusCode.BadRequest, validation.Status);
        Assert.True(validation.Body.GetProperty("errors").TryGetProperty("validatedBy.name", out _), validation.Body.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, bell.Status);
        Assert.True(bell.Body.GetProperty("errors").TryGetProperty("validatedBy", out _), bell.Body.ToString());
    }
}
