using System.Net;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// R4 and Art. 4(5) of Reg. 2023/1543: an emergency order issued without prior validation is validated within 48 hours,
/// or it is withdrawn and what it obtained is not used.
/// </summary>
public sealed class EmergencyValidationTests
{
    private const string Officer = "met-case-system";
    private const string Supervisor = "met-supervisor-desk";
    private const string Provider = "northwind-legal";
    private static readonly object Refusal = new { text = "District Judge Patel refused to validate the order at 14:00 today." };

    [Fact]
    public async Task A_refused_validation_withdraws_an_emergency_order_the_provider_has_and_tells_the_provider()
    {
        await using var broker = new BrokerFactory();
        var id = await ReleasedEmergencyAsync(broker);

        var refused = await broker.ActAsync(Officer, id, "validation/refusal", Refusal);
        var topics = await broker.WithDbAsync(db => db.Outbox.AsNoTracking()
            .Where(m => m.RequestId == id && m.Topic == EmergencyValidation.RefusedAction).Select(m => m.Recipient).ToListAsync());

        Assert.Equal(HttpStatusCode.OK, refused.Status);
        Assert.Equal("withdrawn", refused.Body.GetProperty("state").GetString());
        Assert.Equal(["agency:gb-met", "provider:northwind-mail"], topics.Order());
    }

    [Fact]
    public async Task A_refused_validation_ends_the_validation_clock_so_it_is_never_reported_overdue()
    {
        await using var broker = new BrokerFactory();
        var id = await ReleasedEmergencyAsync(broker);

        await broker.ActAsync(Officer, id, "validation/refusal", Refusal);
        broker.Clock.Advance(TimeSpan.FromHours(49));
        await using (var scope = broker.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SlaMonitor>().SweepAsync(CancellationToken.None);
        }

        var actions = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SubjectId == id.ToString()).Select(e => e.Action).ToListAsync());
        Assert.Contains(EmergencyValidation.RefusedAction, actions);
        Assert.DoesNotContain("sla.validation-overdue", actions);
    }

    [Fact]
    public async Task An_emergency_a_reviewer_sends_to_MLAT_before_any_provider_had_it_is_never_reported_overdue_for_validation()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice().With("flags", new System.Text.Json.Nodes.JsonArray("press")));
        await broker.ActAsync(Supervisor, id, "emergency/confirmation", new { text = "Called DI Shah back." });
        var toMlat = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "mlat", text = "A journalist's source: by MLAT." });

        broker.Clock.Advance(TimeSpan.FromHours(49));
        await using (var scope = broker.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SlaMonitor>().SweepAsync(CancellationToken.None);
        }

        var actions = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SubjectId == id.ToString()).Select(e => e.Action).ToListAsync());
        Assert.Equal(("queued-for-mlat", HttpStatusCode.OK), (toMlat.Body.GetProperty("state").GetString(), toMlat.Status));
        Assert.DoesNotContain("sla.validation-overdue", actions);
    }

    [Fact]
    public async Task An_emergency_sent_to_MLAT_when_filed_runs_no_validation_clock()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind()
            .With("urgency", "emergency")
            .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account.")
            .With("issuingAuthority", new System.Text.Json.Nodes.JsonObject { ["type"] = "police", ["name"] = "MVD duty officer" }));

        var state = await broker.StateAsync("mvd-case-system", id);
        var clocks = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking().Where(d => d.RequestId == id).Select(d => d.Kind).ToListAsync());

        Assert.Equal("queued-for-mlat", state);
        Assert.DoesNotContain(DeadlineKind.PostHocValidation, clocks);
    }

    [Fact]
    public async Task What_was_produced_under_an_order_refused_validation_is_no_longer_released_to_the_agency()
    {
        await using var broker = new BrokerFactory();
        var id = await ReleasedEmergencyAsync(broker);
        await broker.ActAsync(Provider, id, "acknowledge");
        await broker.ProduceAsync(Provider, id);
        var productionId = await broker.WithDbAsync(db => db.Productions.Where(p => p.RequestId == id).Select(p => p.Id).SingleAsync());
        using var agency = await broker.ClientAsync(Officer);
        using var before = await agency.GetAsync($"/api/v1/requests/{id}/productions/{productionId}/content");

        var refused = await broker.ActAsync(Officer, id, "validation/refusal", Refusal);
        using var after = await agency.GetAsync($"/api/v1/requests/{id}/productions/{productionId}/content");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, refused.Status);
        Assert.Equal("produced", refused.Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Contains("Art. 4(5)", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Provider, HttpStatusCode.Forbidden)]
    [InlineData("ipco-oversight", HttpStatusCode.Forbidden)]
    [InlineData("bka-case-system", HttpStatusCode.NotFound)]
    public async Task Only_the_filing_agency_records_a_refused_validation(string client, HttpStatusCode expected)
    {
        await using var broker = new BrokerFactory();
        var id = await ReleasedEmergencyAsync(broker);

        var refused = await broker.ActAsync(client, id, "validation/refusal", Refusal);

        Assert.Equal(expected, refused.Status);
        Assert.Equal("routed-to-provider", await broker.StateAsync(Officer, id));
    }

    [Fact]
    public async Task A_refusal_without_saying_who_refused_is_a_problem_naming_the_text()
    {
        await using var broker = new BrokerFactory();
        var id = await ReleasedEmergencyAsync(broker);

        var refused = await broker.ActAsync(Officer, id, "validation/refusal", new { text = "  " });

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.True(refused.Body.GetProperty("errors").TryGetProperty("text", out _));
    }

    [Fact]
    public async Task A_validation_once_recorded_cannot_then_be_recorded_as_refused()
    {
        await using var broker = new BrokerFactory();
        var id = await ReleasedEmergencyAsync(broker);
        await broker.ActAsync(Officer, id, "validation", new { validatedBy = new { type = "judge", name = "District Judge Patel" } });

        var refused = await broker.ActAsync(Officer, id, "validation/refusal", Refusal);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("routed-to-provider", await broker.StateAsync(Officer, id));
    }

    /// <summary>An emergency filed by police (no prior validation), confirmed by a supervisor and so released to the provider.</summary>
    private static async Task<Guid> ReleasedEmergencyAsync(BrokerFactory broker)
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        var confirmed = await broker.ActAsync(Supervisor, id, "emergency/confirmation", new { text = "Called back." });
        Assert.Equal(HttpStatusCode.OK, confirmed.Status);
        return id;
    }
}
