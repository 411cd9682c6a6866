using System.Net;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Routing;

/// <summary>
/// A suspension's reason (C11) is free text like a justification or an action's reason: the same characters are allowed
/// and refused in the same words, at the reason's own length. It had its own copy of the rule, which refused tabs.
/// </summary>
public sealed class SuspensionReasonTests
{
    [Fact]
    public async Task A_reason_with_a_tab_is_accepted_and_kept_as_written()
    {
        await using var broker = new BrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");

        using var response = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "GB", reason = "Safeguards:\tunder review." });
        var kept = await broker.WithDbAsync(db => db.CountrySuspensions.Where(s => s.Country == "GB").Select(s => s.Reason).SingleOrDefaultAsync());

        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("Safeguards:\tunder review.", kept);
    }

    [Fact]
    public async Task A_reason_with_a_bell_character_is_refused_in_the_free_text_words_naming_the_reason()
    {
        await using var broker = new BrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");

        using var response = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "GB", reason = "Review of safeguards.\u0007" });
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([FreeText.Rule(SuspensionSwitch.MaxReasonLength)], problem.GetProperty("errors").GetProperty("reason").EnumerateArray().Select(e => e.GetString()));
        Assert.False(await broker.WithDbAsync(db => db.CountrySuspensions.AnyAsync(s => s.Country == "GB")));
    }

    [Fact]
    public async Task Suspending_a_suspended_country_for_another_reason_is_a_409_naming_the_suspension_in_force_and_records_nothing()
    {
        await using var broker = new BrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        using var first = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "FR", reason = "first" });

        using var second = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "FR", reason = "second" });
        var problem = await second.JsonAsync();

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("first", problem.GetProperty("reason").GetString());
        Assert.Equal(broker.Clock.GetUtcNow(), problem.GetProperty("suspendedAt").GetDateTimeOffset());
        Assert.Contains("first", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("first", await broker.WithDbAsync(db => db.CountrySuspensions.Where(s => s.Country == "FR").Select(s => s.Reason).SingleAsync()));
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "country.suspended")));
    }

    [Fact]
    public async Task Suspending_a_suspended_country_again_for_the_same_reason_is_done_already_and_records_nothing()
    {
        await using var broker = new BrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        using var first = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "FR", reason = "Review of safeguards." });

        using var again = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "FR", reason = " Review of safeguards. " });

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (first.StatusCode, again.StatusCode));
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "country.suspended")));
    }
}
