using System.Net;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Sla;

/// <summary>Time is driven with the factory's FakeTimeProvider; the monitor is run as Hangfire would run it.</summary>
public sealed class SlaTests
{
    private const string Officer = "met-case-system";
    private const string Provider = "northwind-legal";

    [Fact]
    public async Task Reminders_at_50_and_80_percent_then_a_breach_each_recorded_once()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var response = await ResponseDeadlineAsync(broker, id);
        var length = response.DueAt - response.StartsAt;

        broker.Clock.Advance(length * 0.5 + TimeSpan.FromMinutes(1));
        await SweepAsync(broker);
        var afterHalf = await ResponseDeadlineAsync(broker, id);
        broker.Clock.Advance(length * 0.3);
        await SweepAsync(broker);
        broker.Clock.Advance(length * 0.2);
        await SweepAsync(broker);
        await SweepAsync(broker); // at-least-once: running again changes nothing
        var after = await ResponseDeadlineAsync(broker, id);
        var actions = await AuditActionsAsync(broker, id);

        Assert.NotNull(afterHalf.Reminder50At);
        Assert.Null(afterHalf.Reminder80At);
        Assert.NotNull(after.Reminder80At);
        Assert.NotNull(after.BreachedAt);
        Assert.Null(after.NextCheckAt);
        Assert.Equal(1, actions.Count(a => a == "sla.reminder-50"));
        Assert.Equal(1, actions.Count(a => a == "sla.reminder-80"));
        Assert.Equal(1, actions.Count(a => a == "sla.breached"));
        Assert.True(await broker.WithDbAsync(db => db.Outbox.AnyAsync(m => m.RequestId == id && m.Topic == "sla.breached" && m.Recipient == "provider:northwind-mail")));
    }

    [Fact]
    public async Task An_open_clarification_pauses_the_clock_and_the_answer_moves_the_deadline()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var original = await ResponseDeadlineAsync(broker, id);

        await broker.ActAsync(Provider, id, "clarifications", new { text = "Which of the two accounts with this address?" });
        var paused = await ResponseDeadlineAsync(broker, id);
        broker.Clock.Advance(TimeSpan.FromDays(3));
        await SweepAsync(broker);
        await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "The one created on 2 February 2026." });
        var resumed = await ResponseDeadlineAsync(broker, id);

        Assert.NotNull(paused.PausedAt);
        Assert.Null(paused.NextCheckAt);
        Assert.Null(resumed.PausedAt);
        Assert.Equal(original.DueAt + TimeSpan.FromDays(3), resumed.DueAt);
        Assert.Null(resumed.Reminder50At);
    }

    [Fact]
    public async Task Reminders_count_only_the_time_the_clock_ran_not_the_pause()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var original = await ResponseDeadlineAsync(broker, id);
        var length = original.DueAt - original.StartsAt;
        var pause = length * 0.8;

        await broker.ActAsync(Provider, id, "clarifications", new { text = "Which of the two accounts with this address?" });
        broker.Clock.Advance(pause);
        await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "The one created on 2 February 2026." });
        broker.Clock.Advance(length * 0.2);
        await SweepAsync(broker);
        var afterAFifthOfItsTime = await ResponseDeadlineAsync(broker, id);
        broker.Clock.Advance(length * 0.3 + TimeSpan.FromMinutes(1));
        await SweepAsync(broker);
        var afterHalfItsTime = await ResponseDeadlineAsync(broker, id);

        Assert.Null(afterAFifthOfItsTime.Reminder50At);
        Assert.Equal(original.DueAt + pause, afterAFifthOfItsTime.DueAt);
        Assert.Equal(original.StartsAt + pause + length * 0.5, afterAFifthOfItsTime.NextCheckAt);
        Assert.NotNull(afterHalfItsTime.Reminder50At);
        Assert.Null(afterHalfItsTime.Reminder80At);
    }

    [Fact]
    public async Task A_preservation_is_extended_once_and_then_expires()
    {
        await using var broker = new BrokerFactory();
        var preservation = SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation");
        var id = await broker.FileAsync(Officer, preservation);
        var first = await DeadlineAsync(broker, id, DeadlineKind.Preservation);

        var extended = await broker.ActAsync(Officer, id, "preservation/extension");
        var again = await broker.ActAsync(Officer, id, "preservation/extension");
        var longer = await DeadlineAsync(broker, id, DeadlineKind.Preservation);
        broker.Clock.Advance(longer.DueAt - broker.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        await SweepAsync(broker);

        Assert.Equal(HttpStatusCode.OK, extended.Status);
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal(first.DueAt + TimeSpan.FromDays(30), longer.DueAt);
        Assert.Equal("preservation-expired", await broker.StateAsync(Officer, id));
    }

    [Fact]
    public async Task A_provider_refuses_an_extended_preservation_and_objects_while_its_question_is_open()
    {
        await using var broker = new BrokerFactory();
        var preservation = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        await broker.ActAsync(Officer, preservation, "preservation/extension");
        var production = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, production, "clarifications", new { text = "Which account, of the two with this address?" });

        var refused = await broker.ActAsync(Provider, preservation, "refusal", new { text = "The account was deleted before the order.", grounds = new[] { "data-not-held" } });
        var objected = await broker.ActAsync(Provider, production, "objection", new { text = "Overbroad: every message for six months.", grounds = new[] { "overbroad" } });

        Assert.Equal((HttpStatusCode.OK, "refused"), (refused.Status, refused.Body.GetProperty("state").GetString()));
        Assert.Null((await DeadlineAsync(broker, preservation, DeadlineKind.Preservation)).BreachedAt);
        Assert.NotNull((await DeadlineAsync(broker, preservation, DeadlineKind.Preservation)).CompletedAt);
        Assert.Equal((HttpStatusCode.OK, "objected"), (objected.Status, objected.Body.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_preservation_whose_period_ended_before_the_sweep_came_is_neither_extended_nor_converted()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        var preservation = await DeadlineAsync(broker, id, DeadlineKind.Preservation);
        broker.Clock.Advance(preservation.DueAt - broker.Clock.GetUtcNow() + TimeSpan.FromMinutes(20)); // no sweep since

        var extended = await broker.ActAsync(Officer, id, "preservation/extension");
        var converted = await broker.ActAsync(Officer, id, "preservation/conversion");
        var after = await DeadlineAsync(broker, id, DeadlineKind.Preservation);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, extended.Status);
        Assert.Contains("ended", extended.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, converted.Status);
        Assert.Equal(preservation.DueAt, after.DueAt);
        Assert.False(after.Extended);
        Assert.Equal("preservation-active", await broker.StateAsync(Officer, id));
    }

    [Fact]
    public async Task A_notified_eu_order_runs_the_enforcing_state_s_time_to_object_and_both_sides_hear_when_it_ends()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("bka-case-system", SampleRequests.BkaToEmeraldContentOfAnIrishResident());
        var running = await DeadlineAsync(broker, id, DeadlineKind.EnforcingStateObjection);
        var seenByProvider = await broker.GetAsync("emerald-legal", $"/api/v1/requests/{id}/timeline");
        broker.Clock.Advance(running.DueAt - broker.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        await SweepAsync(broker);
        await SweepAsync(broker); // the end is told once

        var ended = await DeadlineAsync(broker, id, DeadlineKind.EnforcingStateObjection);
        var told = await broker.WithDbAsync(db => db.Outbox.Where(m => m.RequestId == id && m.Topic == "request.objection-period-ended")
            .Select(m => m.Recipient).OrderBy(r => r).ToListAsync());
        var actions = await AuditActionsAsync(broker, id);

        Assert.Equal((running.StartsAt + TimeSpan.FromDays(10), "Reg. 2023/1543 Art. 10(2), 12"), (running.DueAt, running.Source));
        Assert.Contains(seenByProvider.GetProperty("deadlines").EnumerateArray(), d => d.GetProperty("kind").GetString() == "enforcing-state-objection");
        Assert.NotNull(ended.CompletedAt);
        Assert.Null(ended.BreachedAt); // the end of the time to object is no one's failure
        Assert.Equal(1, actions.Count(a => a == "request.objection-period-ended"));
        Assert.Equal(["agency:de-bka", "provider:emerald-cloud"], told);
    }

    [Fact]
    public async Task Closing_a_produced_notified_order_leaves_the_enforcing_state_s_time_to_object_to_run_and_its_end_to_be_told()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("bka-case-system", SampleRequests.BkaToEmeraldContentOfAnIrishResident());
        await broker.ActAsync("emerald-legal", id, "acknowledge");
        await broker.ProduceAsync("emerald-legal", id);

        var closed = await broker.ActAsync("bka-case-system", id, "closure");
        var afterClosing = await DeadlineAsync(broker, id, DeadlineKind.EnforcingStateObjection);
        broker.Clock.Advance(afterClosing.DueAt - broker.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        await SweepAsync(broker);
        var ended = await DeadlineAsync(broker, id, DeadlineKind.EnforcingStateObjection);
        var told = await broker.WithDbAsync(db => db.Outbox.Where(m => m.RequestId == id && m.Topic == "request.objection-period-ended")
            .Select(m => m.Recipient).OrderBy(r => r).ToListAsync());

        Assert.Equal((HttpStatusCode.OK, "closed"), (closed.Status, closed.Body.GetProperty("state").GetString()));
        Assert.Null(afterClosing.CompletedAt);
        Assert.NotNull(ended.CompletedAt);
        Assert.Equal(["agency:de-bka", "provider:emerald-cloud"], told);
    }

    [Fact]
    public async Task Withdrawing_a_notified_order_ends_the_enforcing_state_s_time_to_object_as_nothing_is_left_to_object_to()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("bka-case-system", SampleRequests.BkaToEmeraldContentOfAnIrishResident());

        var withdrawn = await broker.ActAsync("bka-case-system", id, "withdrawal", new { text = "The account holder was identified otherwise." });
        var objection = await DeadlineAsync(broker, id, DeadlineKind.EnforcingStateObjection);
        broker.Clock.Advance(TimeSpan.FromDays(11));
        await SweepAsync(broker);

        Assert.Equal(HttpStatusCode.OK, withdrawn.Status);
        Assert.Equal(broker.Clock.GetUtcNow() - TimeSpan.FromDays(11), objection.CompletedAt);
        Assert.DoesNotContain("request.objection-period-ended", await AuditActionsAsync(broker, id));
    }

    [Fact]
    public async Task A_notified_eu_emergency_gives_the_enforcing_state_96_hours_from_its_release_by_the_supervisor()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("bka-case-system", SampleRequests.BkaToEmeraldContentOfAnIrishResident()
            .With("urgency", "emergency")
            .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account."));
        var beforeConfirmation = await broker.WithDbAsync(db => db.Deadlines.CountAsync(d => d.RequestId == id && d.Kind == DeadlineKind.EnforcingStateObjection));
        broker.Clock.Advance(TimeSpan.FromMinutes(30));
        var confirmed = await broker.ActAsync("bka-supervisor-desk", id, "emergency/confirmation", new { text = "Called back." });

        var objection = await DeadlineAsync(broker, id, DeadlineKind.EnforcingStateObjection);
        var response = await DeadlineAsync(broker, id, DeadlineKind.Response);

        Assert.Equal(0, beforeConfirmation); // the provider has not received it yet
        Assert.Equal((HttpStatusCode.OK, "routed-to-provider"), (confirmed.Status, confirmed.Body.GetProperty("state").GetString()));
        Assert.Equal(broker.Clock.GetUtcNow(), objection.StartsAt);
        Assert.Equal(TimeSpan.FromHours(96), objection.DueAt - objection.StartsAt);
        Assert.Equal(TimeSpan.FromHours(8), response.DueAt - response.StartsAt);
    }

    [Fact]
    public async Task An_order_whose_enforcing_state_is_not_notified_has_no_time_to_object()
    {
        await using var broker = new BrokerFactory();
        var ofAGermanResident = await broker.FileAsync("bka-case-system", SampleRequests.BkaToEmeraldContentOfAnIrishResident()
            .With("target", new JsonObject { ["nationality"] = "DE", ["residence"] = "DE", ["locatedIn"] = "DE" }));

        Assert.Equal("routed-to-provider", await broker.StateAsync("bka-case-system", ofAGermanResident));
        Assert.Equal(0, await broker.WithDbAsync(db => db.Deadlines.CountAsync(d => d.RequestId == ofAGermanResident && d.Kind == DeadlineKind.EnforcingStateObjection)));
    }

    [Fact]
    public async Task A_preservation_whose_decision_states_no_extension_is_not_extended()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        var preservation = await DeadlineAsync(broker, id, DeadlineKind.Preservation);
        await WithoutExtensionRowAsync(broker, id); // as decided under a pack stored before the loader required the row

        var extended = await broker.ActAsync(Officer, id, "preservation/extension");
        var after = await DeadlineAsync(broker, id, DeadlineKind.Preservation);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, extended.Status);
        Assert.Contains("sets no extension", extended.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((preservation.DueAt, false), (after.DueAt, after.Extended));
        Assert.Equal("preservation-active", await broker.StateAsync(Officer, id));
    }

    private static async Task WithoutExtensionRowAsync(BrokerFactory broker, Guid id)
    {
        var json = await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == id).Select(d => d.DecisionJson).SingleAsync());
        var decision = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        var deadlines = decision["deadlines"]!.AsArray();
        deadlines.Remove(Assert.Single(deadlines, d => (string?)d!["kind"] == "preservation-extension"));
        var stripped = decision.ToJsonString();
        await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == id).ExecuteUpdateAsync(set => set.SetProperty(d => d.DecisionJson, stripped)));
    }

    [Fact]
    public async Task Extending_a_preservation_late_sends_again_only_the_reminders_whose_marks_are_still_ahead()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        var preservation = await DeadlineAsync(broker, id, DeadlineKind.Preservation);
        broker.Clock.Advance(preservation.Length * 0.85);
        await SweepAsync(broker); // both reminders of the first period

        var extended = await broker.ActAsync(Officer, id, "preservation/extension");
        await SweepAsync(broker);
        var longer = await DeadlineAsync(broker, id, DeadlineKind.Preservation);
        broker.Clock.Advance(longer.Mark(0.8) - broker.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        await SweepAsync(broker);

        var actions = await AuditActionsAsync(broker, id);
        Assert.Equal(HttpStatusCode.OK, extended.Status);
        Assert.True(longer.Mark(0.5) < longer.Mark(0.8) && longer.Mark(0.8) > preservation.Mark(0.85));
        Assert.Equal(1, actions.Count(a => a == "sla.reminder-50")); // its mark was behind the extension
        Assert.Equal(2, actions.Count(a => a == "sla.reminder-80")); // its mark moved ahead of it
    }

    [Fact]
    public async Task Producing_stops_the_clock()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());

        await broker.ActAsync(Provider, id, "acknowledge");
        await broker.ActAsync(Provider, id, "refusal", new { text = "Not held.", grounds = new[] { "data-not-held" } });
        var response = await ResponseDeadlineAsync(broker, id);

        Assert.NotNull(response.CompletedAt);
        Assert.Null(response.NextCheckAt);
    }

    [Fact]
    public async Task The_end_of_non_disclosure_is_announced_once_however_many_actions_follow_it()
    {
        await using var broker = new BrokerFactory();
        var until = DateOnly.FromDateTime(broker.Clock.GetUtcNow().UtcDateTime).AddDays(10);
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("nonDisclosureUntil", until.ToString("yyyy-MM-dd")));

        broker.Clock.Advance(TimeSpan.FromDays(11));
        await SweepAsync(broker);
        var acknowledged = await broker.ActAsync(Provider, id, "acknowledge");
        await SweepAsync(broker);
        var refused = await broker.ActAsync(Provider, id, "refusal", new { text = "Not held.", grounds = new[] { "data-not-held" } });
        await SweepAsync(broker);

        Assert.Equal(HttpStatusCode.OK, acknowledged.Status);
        Assert.Equal(HttpStatusCode.OK, refused.Status);
        var actions = await AuditActionsAsync(broker, id);
        Assert.Equal(1, actions.Count(a => a == "request.non-disclosure-ended"));
        Assert.Equal(1, await broker.WithDbAsync(db => db.Deadlines.CountAsync(d => d.RequestId == id && d.Kind == DeadlineKind.NonDisclosureEnd)));
    }

    [Fact]
    public async Task The_provider_inbox_does_not_call_a_clock_paused_for_a_question_overdue()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var response = await ResponseDeadlineAsync(broker, id);
        broker.Clock.Advance((response.DueAt - response.StartsAt) * 0.9);
        await broker.ActAsync(Provider, id, "clarifications", new { text = "Which of the two accounts with this address?" });
        broker.Clock.Advance((response.DueAt - response.StartsAt) * 0.3); // past the due date the question stopped short of

        var whilePaused = InboxItem(await broker.GetAsync(Provider, "/api/v1/provider/inbox"), id);
        await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "The one created on 2 February 2026." });
        var afterAnswer = InboxItem(await broker.GetAsync(Provider, "/api/v1/provider/inbox"), id);

        Assert.True(whilePaused.GetProperty("paused").GetBoolean());
        Assert.False(whilePaused.GetProperty("overdue").GetBoolean());
        Assert.False(whilePaused.GetProperty("atRisk").GetBoolean());
        Assert.False(afterAnswer.GetProperty("paused").GetBoolean());
        Assert.False(afterAnswer.GetProperty("overdue").GetBoolean());
        Assert.True(afterAnswer.GetProperty("atRisk").GetBoolean()); // a tenth of its time is left, as when the question came
    }

    [Fact]
    public async Task An_answer_given_while_a_question_is_open_is_timed_against_the_due_date_the_pause_moved()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var response = await ResponseDeadlineAsync(broker, id);
        broker.Clock.Advance((response.DueAt - response.StartsAt) * 0.9);
        await broker.ActAsync(Provider, id, "clarifications", new { text = "Which of the two accounts with this address?" });
        broker.Clock.Advance((response.DueAt - response.StartsAt) * 0.3);

        var refused = await broker.ActAsync(Provider, id, "refusal", new { text = "Not held.", grounds = new[] { "data-not-held" } });
        var ended = await ResponseDeadlineAsync(broker, id);

        Assert.Equal(HttpStatusCode.OK, refused.Status);
        Assert.Null(ended.PausedAt);
        Assert.True(ended.CompletedAt <= ended.DueAt, $"completed {ended.CompletedAt:O}, due {ended.DueAt:O}");
    }

    private static System.Text.Json.JsonElement InboxItem(System.Text.Json.JsonElement inbox, Guid id) =>
        inbox.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id);

    [Fact]
    public async Task Withdrawing_a_request_the_provider_has_does_not_end_its_non_disclosure_period()
    {
        await using var broker = new BrokerFactory();
        var until = DateOnly.FromDateTime(broker.Clock.GetUtcNow().UtcDateTime).AddDays(90);
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("nonDisclosureUntil", until.ToString("yyyy-MM-dd")));
        await broker.ActAsync(Provider, id, "acknowledge");
        broker.Clock.Advance(TimeSpan.FromDays(2));

        var withdrawn = await broker.ActAsync(Officer, id, "withdrawal", new { text = "The suspect was arrested." });
        var clock = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking().SingleAsync(d => d.RequestId == id && d.Kind == DeadlineKind.NonDisclosureEnd));
        broker.Clock.Advance(TimeSpan.FromDays(89));
        await SweepAsync(broker);
        await SweepAsync(broker);

        Assert.Equal(HttpStatusCode.OK, withdrawn.Status);
        Assert.Null(clock.CompletedAt);
        Assert.Equal(1, (await AuditActionsAsync(broker, id)).Count(a => a == "request.non-disclosure-ended"));
    }

    [Fact]
    public async Task Marks_that_came_due_while_the_broker_was_down_are_stamped_by_the_first_sweep_after_a_restart()
    {
        var folder = Directory.CreateTempSubdirectory("eb-restart-").FullName;
        var database = $"Data Source={Path.Combine(folder, "broker.db")}";
        Guid id;
        await using (var first = new SharedDatabaseFactory(database))
        {
            id = await first.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
            Assert.Equal(0, first.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ScheduledCount()); // filing schedules no job
        }

        await using var second = new SharedDatabaseFactory(database);
        var response = await ResponseDeadlineAsync(second, id);
        second.Clock.Advance(response.DueAt - second.Clock.GetUtcNow() + TimeSpan.FromHours(1));
        using (var connection = second.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            Assert.Contains(connection.GetRecurringJobs(), job => job.Id == SlaExtensions.SweepJobId);
        }

        await SweepAsync(second);
        var actions = await AuditActionsAsync(second, id);

        Assert.Equal(1, actions.Count(a => a == "sla.reminder-50"));
        Assert.Equal(1, actions.Count(a => a == "sla.reminder-80"));
        Assert.Equal(1, actions.Count(a => a == "sla.breached"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // the sweep has not come round yet
    public async Task A_missed_answer_stays_missed_when_the_provider_asks_a_question_afterwards(bool swept)
    {
        await using var broker = new BrokerFactory();
        var (id, response) = await PastItsResponseDeadlineAsync(broker, swept);

        var asked = await broker.ActAsync(Provider, id, "clarifications", new { text = "Which account?" });
        var after = await ResponseDeadlineAsync(broker, id);

        await SweepAsync(broker);
        var stamped = await ResponseDeadlineAsync(broker, id);

        Assert.Equal(HttpStatusCode.OK, asked.Status);
        Assert.Null(after.PausedAt);
        Assert.Equal(response.DueAt, after.DueAt);
        Assert.NotNull(stamped.BreachedAt);
    }

    [Fact]
    public async Task An_emergency_s_validation_clock_outlives_its_withdrawal_once_the_provider_had_it()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called back." });

        var withdrawn = await broker.ActAsync(Officer, id, "withdrawal", new { text = "The person is safe." });
        var stillOpen = await DeadlineAsync(broker, id, DeadlineKind.PostHocValidation);
        var validated = await broker.ActAsync(Officer, id, "validation",
            new { validatedBy = new { type = "judge", name = "District Judge (Magistrates' Courts) Patel" } });

        Assert.Equal(HttpStatusCode.OK, withdrawn.Status);
        Assert.Null(stillOpen.CompletedAt);
        Assert.Equal(HttpStatusCode.OK, validated.Status);
    }

    [Fact]
    public async Task A_prosecutor_validates_an_emergency_subscriber_order_afterwards_but_not_a_content_order()
    {
        await using var broker = new BrokerFactory();
        var subscriber = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        var content = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice().With("dataCategories", new JsonArray("content")));
        var prosecutor = new { validatedBy = new { type = "prosecutor", name = "Crown Prosecution Service, duty lawyer" } };

        var forSubscriber = await broker.ActAsync(Officer, subscriber, "validation", prosecutor);
        var forContent = await broker.ActAsync(Officer, content, "validation", prosecutor);

        Assert.Equal(HttpStatusCode.OK, forSubscriber.Status);
        Assert.NotNull((await DeadlineAsync(broker, subscriber, DeadlineKind.PostHocValidation)).CompletedAt);
        Assert.Equal(HttpStatusCode.BadRequest, forContent.Status);
        Assert.True(forContent.Body.GetProperty("errors").TryGetProperty("validatedBy", out _));
    }

    [Fact]
    public async Task The_validation_clock_runs_whenever_the_decision_sets_it_even_with_a_validator_named_who_does_not_suffice()
    {
        await using var broker = new BrokerFactory();
        // Traffic data need a judge (R4): a prosecutor's prior validation does not suffice, so it is validated afterwards.
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice().With("dataCategories", new JsonArray("traffic"))
            .With("validatedBy", new JsonObject { ["type"] = "prosecutor", ["name"] = "Crown Prosecution Service" }));

        var decision = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/decision");
        var clock = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking()
            .SingleOrDefaultAsync(d => d.RequestId == id && d.Kind == DeadlineKind.PostHocValidation));

        Assert.Contains(decision.GetProperty("deadlines").EnumerateArray(), d => d.GetProperty("kind").GetString() == "post-hoc-validation");
        Assert.NotNull(clock);
    }


    [Fact]
    public async Task A_preservation_is_extended_by_the_length_the_pack_sets()
    {
        await using var broker = new BrokerFactory();
        const string Thirty = "kind: preservation-extension, channel: cloud-act-agreement, urgency: preservation, within: 30 days";
        await broker.ActivatePackWithAsync("deadlines.yaml", Thirty, Thirty.Replace("30 days", "45 days", StringComparison.Ordinal));
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        var first = await DeadlineAsync(broker, id, DeadlineKind.Preservation);

        var extended = await broker.ActAsync(Officer, id, "preservation/extension");
        var longer = await DeadlineAsync(broker, id, DeadlineKind.Preservation);

        Assert.Equal(HttpStatusCode.OK, extended.Status);
        Assert.Equal(first.DueAt + TimeSpan.FromDays(45), longer.DueAt);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // the sweep has not come round yet
    public async Task An_answer_after_the_due_time_leaves_the_breach_recorded_once(bool swept)
    {
        await using var broker = new BrokerFactory();
        var (id, _) = await PastItsResponseDeadlineAsync(broker, swept);

        var refused = await broker.ActAsync(Provider, id, "refusal", new { text = "Not held.", grounds = new[] { "data-not-held" } });
        await SweepAsync(broker);
        var actions = await AuditActionsAsync(broker, id);

        Assert.Equal(HttpStatusCode.OK, refused.Status);
        Assert.NotNull((await ResponseDeadlineAsync(broker, id)).BreachedAt);
        Assert.Equal(1, actions.Count(a => a == "sla.breached"));
        // The breach comes before the answer that ended the clock.
        Assert.True(actions.IndexOf("sla.breached") < actions.IndexOf("request.refuse"));
        Assert.Equal(1, await broker.WithDbAsync(db => db.Outbox.CountAsync(m => m.RequestId == id && m.Topic == "sla.breached" && m.Recipient == "provider:northwind-mail")));
    }

    [Fact]
    public async Task A_validation_recorded_after_the_48_hours_is_overdue_before_the_sweep_says_so()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called back." });
        broker.Clock.Advance(TimeSpan.FromHours(49));

        var validated = await broker.ActAsync(Officer, id, "validation",
            new { validatedBy = new { type = "judge", name = "District Judge (Magistrates' Courts) Patel" } });
        await SweepAsync(broker);
        var actions = await AuditActionsAsync(broker, id);

        Assert.Equal(HttpStatusCode.OK, validated.Status);
        Assert.Equal(1, actions.Count(a => a == "sla.validation-overdue"));
        Assert.Equal(1, await broker.WithDbAsync(db => db.Outbox.CountAsync(m => m.RequestId == id && m.Topic == "sla.validation-overdue")));
    }

    [Fact]
    public async Task A_reminder_whose_mark_came_before_a_question_goes_out_with_the_question_not_after_the_answer()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var response = await ResponseDeadlineAsync(broker, id);
        broker.Clock.Advance((response.DueAt - response.StartsAt) * 0.6); // past the 50 % mark; no sweep yet
        var asked = broker.Clock.GetUtcNow();

        await broker.ActAsync(Provider, id, "clarifications", new { text = "Which account?" });
        broker.Clock.Advance(TimeSpan.FromDays(3));
        await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "The one created on 2 February 2026." });
        await SweepAsync(broker);
        var deadline = await ResponseDeadlineAsync(broker, id);

        Assert.Equal(asked, deadline.Reminder50At);
        Assert.Null(deadline.Reminder80At);
        Assert.Equal(1, (await AuditActionsAsync(broker, id)).Count(a => a == "sla.reminder-50"));
    }

    private sealed class SharedDatabaseFactory(string connectionString) : BrokerFactory(DatabaseProvider.Sqlite, connectionString);

    private static async Task SweepAsync(BrokerFactory broker)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SlaMonitor>().SweepAsync(CancellationToken.None);
    }

    /// <summary>A request filed and left an hour past its response deadline, which the sweep has stamped or not yet.</summary>
    private static async Task<(Guid Id, Deadline Response)> PastItsResponseDeadlineAsync(BrokerFactory broker, bool swept)
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var response = await ResponseDeadlineAsync(broker, id);
        broker.Clock.Advance(response.DueAt - broker.Clock.GetUtcNow() + TimeSpan.FromHours(1));
        if (swept)
        {
            await SweepAsync(broker);
        }

        return (id, response);
    }

    private static Task<Deadline> ResponseDeadlineAsync(BrokerFactory broker, Guid id) => DeadlineAsync(broker, id, DeadlineKind.Response);

    private static Task<Deadline> DeadlineAsync(BrokerFactory broker, Guid id, DeadlineKind kind) =>
        broker.WithDbAsync(db => db.Deadlines.AsNoTracking().SingleAsync(d => d.RequestId == id && d.Kind == kind));

    private static Task<List<string>> AuditActionsAsync(BrokerFactory broker, Guid id) =>
        broker.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == id.ToString()).OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
}
