using System.Net;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// C11, the operator's instant switch: a country suspended while one of its requests waits for a supervisor or a
/// reviewer (the domain's example is a fake emergency sent from a hacked police mailbox) must not have that request
/// released to the provider afterwards. Released once the suspension is lifted, a confirmed emergency is decided again,
/// and is not released if the engine would then not send it directly.
/// </summary>
public sealed class SuspensionAtReleaseTests
{
    private const string Officer = "met-case-system";

    [Fact]
    public async Task An_emergency_confirmed_after_its_country_was_suspended_stays_with_a_reviewer()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, Emergency());
        await SuspendGreatBritainAsync(broker);

        var confirmed = await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called DI Shah back." });
        var decision = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/decision");
        var approved = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "Urgent." });
        using var provider = await broker.ClientAsync("northwind-legal");
        using var seenByProvider = await provider.GetAsync($"/api/v1/requests/{id}");

        Assert.Equal("awaiting-human-review", confirmed.Body.GetProperty("state").GetString());
        Assert.Equal("failed", Rule(decision, "C11"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, approved.Status);
        Assert.Contains("C11", approved.Body.GetProperty("detail").GetString() + approved.Body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, seenByProvider.StatusCode);
        Assert.Equal(0, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == id.ToString() && e.Action == "request.approve-direct")));
    }

    [Fact]
    public async Task An_emergency_confirmed_while_its_country_was_suspended_and_released_once_it_is_no_longer_runs_its_response_clock()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, Emergency());
        await SuspendGreatBritainAsync(broker);
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called DI Shah back." });
        await LiftGreatBritainAsync(broker);

        var approved = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "Urgent." });
        var response = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking().SingleOrDefaultAsync(d => d.RequestId == id && d.Kind == DeadlineKind.Response));
        var request = await broker.GetAsync(Officer, $"/api/v1/requests/{id}");

        Assert.Equal(HttpStatusCode.OK, approved.Status);
        Assert.Equal("routed-to-provider", approved.Body.GetProperty("state").GetString());
        Assert.NotNull(response); // the US–UK channel's 24 hours for an emergency, from the release
        Assert.Equal(TimeSpan.FromHours(24), response.DueAt - response.StartsAt);
        Assert.Equal("direct", request.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task An_emergency_the_engine_would_now_send_by_mlat_is_not_released_once_its_country_is_no_longer_suspended()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, Emergency());
        await SuspendGreatBritainAsync(broker);
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called DI Shah back." });
        await LiftGreatBritainAsync(broker);

        // Decided again with the suspension lifted, the stored input would go directly: the engine decides one input the
        // same way every time, and only the suspension sent it by MLAT. What the release guards against is an engine
        // that decides it otherwise by then (a later build, say); here the stored input is one the engine sends by MLAT
        // for a reason of its own, a request on behalf of a third state (R7).
        await broker.WithDbAsync(async db =>
        {
            var input = JsonNode.Parse(await db.Decisions.Where(d => d.RequestId == id).Select(d => d.InputJson).SingleAsync())!;
            input["request"]!["flags"] = new JsonArray("onBehalfOfThirdState");
            return await db.Decisions.Where(d => d.RequestId == id).ExecuteUpdateAsync(set => set.SetProperty(d => d.InputJson, input.ToJsonString()));
        });

        var approved = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "Urgent." });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, approved.Status);
        Assert.Equal("This request cannot go directly to the provider.", approved.Body.GetProperty("title").GetString());
        Assert.Contains("R7", approved.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("awaiting-human-review", await broker.StateAsync(Officer, id));
        Assert.Equal(0, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == id.ToString() && e.Action == "request.approve-direct")));
    }

    [Fact]
    public async Task A_request_waiting_for_review_is_not_approved_to_the_provider_once_its_country_is_suspended()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));
        await SuspendGreatBritainAsync(broker);

        var approved = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "No source is sought." });
        var toMlat = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "mlat", text = "Suspended: by MLAT." });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, approved.Status);
        Assert.Contains("suspended", approved.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, toMlat.Status);
    }

    private static JsonObject Emergency() => SampleRequests.MetToNorthwindSubscriber()
        .With("urgency", "emergency")
        .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account.")
        .With("issuingAuthority", new JsonObject { ["type"] = "police", ["name"] = "Met Police duty inspector" });

    private static async Task SuspendGreatBritainAsync(BrokerFactory broker)
    {
        using var admin = await broker.ClientAsync("broker-admin");
        using var suspended = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "GB", reason = "Emergency requests sent from a compromised police mailbox." });
        Assert.Equal(HttpStatusCode.NoContent, suspended.StatusCode);
    }

    private static async Task LiftGreatBritainAsync(BrokerFactory broker)
    {
        using var admin = await broker.ClientAsync("broker-admin");
        using var lifted = await admin.DeleteAsync("/api/v1/policy/suspensions/GB");
        Assert.True(lifted.IsSuccessStatusCode, lifted.StatusCode.ToString());
    }

    private static string? Rule(System.Text.Json.JsonElement decision, string rule) =>
        decision.GetProperty("reasons").EnumerateArray().Where(r => r.GetProperty("rule").GetString() == rule)
            .Select(r => r.GetProperty("status").GetString()).FirstOrDefault();
}
