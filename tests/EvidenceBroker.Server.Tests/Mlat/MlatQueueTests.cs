using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Mlat;

public sealed class MlatQueueTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task An_mlat_outcome_becomes_a_prefilled_draft_that_ages_and_moves_through_its_states()
    {
        // Its own broker: it moves the clock eleven months on, after which the class's other filings would be refused.
        await using var own = new BrokerFactory();
        var id = await own.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());

        var draft = await own.GetAsync("mvd-case-system", $"/api/v1/mlat/drafts/{id}");
        var backlog = await own.GetAsync("ipco-oversight", "/api/v1/mlat/backlog");
        using var asProvider = await (await own.ClientAsync("northwind-legal")).GetAsync($"/api/v1/mlat/drafts/{id}");
        using var asOtherAgency = await (await own.ClientAsync("met-case-system")).GetAsync($"/api/v1/mlat/drafts/{id}");
        using var mvd = await own.ClientAsync("mvd-case-system");
        using var executedTooEarly = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/executed", null);
        using var sent = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);
        own.Clock.Advance(TimeSpan.FromDays(330));
        var aged = await own.GetAsync("mvd-case-system", "/api/v1/mlat/drafts");

        Assert.Equal("RU", draft.GetProperty("requestingState").GetString());
        Assert.Equal("US", draft.GetProperty("requestedState").GetString());
        Assert.False(string.IsNullOrWhiteSpace(draft.GetProperty("treatyBasis").GetString()));
        Assert.Contains("suspect.one@northwind.example", draft.GetProperty("identifiers").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(draft.GetProperty("whyMlat").GetString()));
        Assert.Contains(backlog.EnumerateArray(), r => r.GetProperty("requestingState").GetString() == "RU");
        Assert.Equal(HttpStatusCode.NotFound, asProvider.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, asOtherAgency.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, executedTooEarly.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains(aged.GetProperty("items").EnumerateArray(), d => d.GetProperty("requestId").GetGuid() == id && d.GetProperty("pastPlanningFigure").GetBoolean());
    }

    [Fact]
    public async Task Each_step_of_the_mlat_is_sent_to_the_agency_s_webhook_in_the_transaction_that_records_it()
    {
        await using var own = new BrokerFactory();
        var id = await own.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await own.ClientAsync("mvd-case-system");

        using var sent = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);
        using var executed = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/executed", null);
        var messages = await own.WithDbAsync(db => db.Outbox.AsNoTracking()
            .Where(m => m.RequestId == id && m.Topic.StartsWith("mlat.")).Select(m => new { m.Topic, m.Recipient }).ToListAsync());

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (sent.StatusCode, executed.StatusCode));
        Assert.Equal(["mlat.executed", "mlat.sent"], messages.Select(m => m.Topic).Order());
        Assert.All(messages, m => Assert.Equal("agency:ru-mvd", m.Recipient));
    }

    [Fact]
    public async Task The_oversight_report_s_backlog_counts_only_open_mlat_requests_as_the_api_does()
    {
        await using var own = new BrokerFactory();
        var executed = await own.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        await own.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await own.ClientAsync("mvd-case-system");
        (await mvd.PostAsync($"/api/v1/mlat/drafts/{executed}/sent", null)).EnsureSuccessStatusCode();
        (await mvd.PostAsync($"/api/v1/mlat/drafts/{executed}/executed", null)).EnsureSuccessStatusCode();

        var report = await own.WithDbAsync(db => EvidenceBroker.Server.Exports.OversightReportQuery.BuildAsync(
            db, new EvidenceBroker.Server.Exports.OversightReportParameters(new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30)),
            own.Clock.GetUtcNow(), null, CancellationToken.None));
        var api = await own.GetAsync("ipco-oversight", "/api/v1/mlat/backlog");

        Assert.Equal(1, report.MlatBacklog.Sum(b => b.Requests));
        Assert.Equal(1, api.EnumerateArray().Sum(r => r.GetProperty("total").GetInt32()));
    }

    [Fact]
    public async Task A_withdrawn_request_s_draft_is_closed_takes_no_step_and_leaves_the_backlog()
    {
        var id = await broker.FileAsync("bka-case-system", SampleRequests.MvdToNorthwind().With("requestingCountry", "DE").With("agencyId", "de-bka")
            .With("legalInstrument", "mlat"));
        var backlogBefore = await BacklogTotalAsync("DE");

        var withdrawn = await broker.ActAsync("bka-case-system", id, "withdrawal", new { text = "The suspect was identified otherwise." });
        using var bka = await broker.ClientAsync("bka-case-system");
        using var sent = await bka.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);
        var draft = await broker.GetAsync("bka-case-system", $"/api/v1/mlat/drafts/{id}");

        Assert.Equal(HttpStatusCode.OK, withdrawn.Status);
        Assert.Equal(HttpStatusCode.Conflict, sent.StatusCode);
        Assert.Equal("drafted", draft.GetProperty("state").GetString());
        Assert.Equal(backlogBefore - 1, await BacklogTotalAsync("DE"));
    }

    [Theory]
    [InlineData("executed")]
    [InlineData("refused")]
    public async Task A_request_queued_for_mlat_is_closed_only_once_its_mlat_request_has_run_its_course(string outcome)
    {
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await broker.ClientAsync("mvd-case-system");

        var whileDrafted = await broker.ActAsync("mvd-case-system", id, "closure");
        using var sent = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);
        var whileSent = await broker.ActAsync("mvd-case-system", id, "closure");
        var planningWhileSent = await PlanningClockAsync(id);
        using var ended = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/{outcome}", null);
        var closed = await broker.ActAsync("mvd-case-system", id, "closure");
        var draft = await broker.GetAsync("mvd-case-system", $"/api/v1/mlat/drafts/{id}");

        Assert.Equal(HttpStatusCode.Conflict, whileDrafted.Status);
        Assert.Equal(("queued-for-mlat", "drafted"), (whileDrafted.Body.GetProperty("state").GetString(), whileDrafted.Body.GetProperty("mlatState").GetString()));
        Assert.Equal(["withdraw"], whileDrafted.Body.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode); // the draft was not closed by the refused closure
        Assert.Equal((HttpStatusCode.Conflict, "sent"), (whileSent.Status, whileSent.Body.GetProperty("mlatState").GetString()));
        Assert.Null(planningWhileSent.CompletedAt);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "closed"), (closed.Status, closed.Body.GetProperty("state").GetString()));
        Assert.Equal(outcome, draft.GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_action_the_state_does_not_allow_offers_only_what_the_mlat_request_allows_too()
    {
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());

        var answered = await broker.ActAsync("mvd-case-system", id, "clarifications/answer", new { text = "No question was asked." });

        Assert.Equal(HttpStatusCode.Conflict, answered.Status);
        Assert.Equal(["withdraw"], answered.Body.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString())); // not close: the draft is unsent
        Assert.Equal("queued-for-mlat", await broker.StateAsync("mvd-case-system", id));
    }

    [Fact]
    public async Task A_request_whose_mlat_request_was_executed_is_closed_not_withdrawn()
    {
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await broker.ClientAsync("mvd-case-system");
        using var sent = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);
        using var executed = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/executed", null);

        var withdrawn = await broker.ActAsync("mvd-case-system", id, "withdrawal", new { text = "After execution." });

        Assert.Equal(HttpStatusCode.Conflict, withdrawn.Status);
        Assert.Equal("executed", withdrawn.Body.GetProperty("mlatState").GetString());
        Assert.Equal(["close"], withdrawn.Body.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("queued-for-mlat", await broker.StateAsync("mvd-case-system", id));
    }

    [Fact]
    public async Task A_request_whose_mlat_request_was_sent_but_not_executed_can_still_be_withdrawn()
    {
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await broker.ClientAsync("mvd-case-system");
        using var sent = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);

        var withdrawn = await broker.ActAsync("mvd-case-system", id, "withdrawal", new { text = "The suspect was identified otherwise." });

        Assert.Equal((HttpStatusCode.OK, "withdrawn"), (withdrawn.Status, withdrawn.Body.GetProperty("state").GetString()));
    }

    private Task<EvidenceBroker.Server.Sla.Deadline> PlanningClockAsync(Guid id) =>
        broker.WithDbAsync(db => db.Deadlines.AsNoTracking().SingleAsync(d => d.RequestId == id && d.Kind == EvidenceBroker.Server.Sla.DeadlineKind.MlatPlanning));

    [Fact]
    public async Task An_executed_mlat_no_longer_runs_against_its_planning_figure()
    {
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await broker.ClientAsync("mvd-case-system");
        using var sent = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);
        using var executed = await mvd.PostAsJsonAsync($"/api/v1/mlat/drafts/{id}/executed", new { text = "Data received from the US central authority." });

        var planning = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking()
            .SingleAsync(d => d.RequestId == id && d.Kind == EvidenceBroker.Server.Sla.DeadlineKind.MlatPlanning));

        Assert.Equal(HttpStatusCode.OK, executed.StatusCode);
        Assert.NotNull(planning.CompletedAt);
        Assert.Null(planning.NextCheckAt);
        Assert.Null(planning.BreachedAt);
        var open = await broker.GetAsync("mvd-case-system", "/api/v1/mlat/drafts");
        var all = await broker.GetAsync("mvd-case-system", "/api/v1/mlat/drafts?includeClosed=true");
        Assert.DoesNotContain(open.GetProperty("items").EnumerateArray(), d => d.GetProperty("requestId").GetGuid() == id); // the list is what is still to do
        Assert.Contains(all.GetProperty("items").EnumerateArray(), d => d.GetProperty("requestId").GetGuid() == id);
    }

    [Fact]
    public async Task An_mlat_executed_after_its_planning_figure_is_a_breach_even_before_the_sweep_says_so()
    {
        await using var late = new BrokerFactory(); // its own clock: this test moves it eleven months on
        var id = await late.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await late.ClientAsync("mvd-case-system");
        using var sent = await mvd.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null);
        late.Clock.Advance(TimeSpan.FromDays(335)); // past the ten-month figure, and no sweep has run
        using var mvdLater = await late.ClientAsync("mvd-case-system");
        using var executed = await mvdLater.PostAsJsonAsync($"/api/v1/mlat/drafts/{id}/executed", new { text = "Data received at last." });

        var planning = await late.WithDbAsync(db => db.Deadlines.AsNoTracking()
            .SingleAsync(d => d.RequestId == id && d.Kind == EvidenceBroker.Server.Sla.DeadlineKind.MlatPlanning));
        var breaches = await late.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == id.ToString() && e.Action == "sla.breached"));

        Assert.Equal(HttpStatusCode.OK, executed.StatusCode);
        Assert.Equal(late.Clock.GetUtcNow(), planning.BreachedAt);
        Assert.Equal(planning.BreachedAt, planning.CompletedAt);
        Assert.Equal(1, breaches);
    }

    [Fact]
    public async Task A_request_a_reviewer_sends_to_mlat_ages_against_the_pack_s_planning_figure()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));

        var (state, draftDue, clock) = await ReviewedToMlatAsync(id);

        Assert.Equal("queued-for-mlat", state);
        Assert.NotNull(clock);
        Assert.Equal(clock.DueAt, draftDue);
    }

    [Fact]
    public async Task The_planning_figure_of_a_reviewer_s_mlat_is_the_one_its_pack_sets()
    {
        await using var own = new BrokerFactory(); // activates a pack of its own
        const string TenMonths = "kind: mlat-planning, channel: mlat, urgency: any, within: 10 months";
        await own.ActivatePackWithAsync("deadlines.yaml", TenMonths, TenMonths.Replace("10 months", "12 months", StringComparison.Ordinal));
        var id = await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));

        await own.ActAsync("broker-review-desk", id, "review", new { decision = "mlat", text = "Let the central authorities weigh it." });
        var draft = await own.GetAsync("met-case-system", $"/api/v1/mlat/drafts/{id}");

        Assert.Equal(own.Clock.GetUtcNow().AddMonths(12), draft.GetProperty("planningDueAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task When_the_deciding_pack_cannot_be_read_a_reviewer_s_mlat_still_has_a_clock_due_when_its_draft_says()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));
        await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == id)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.PolicyVersion, "0000000000000000"))); // a pack no longer stored

        var (state, draftDue, clock) = await ReviewedToMlatAsync(id);

        Assert.Equal("queued-for-mlat", state);
        Assert.NotNull(clock);
        Assert.Equal(clock.DueAt, draftDue);
        Assert.Equal(broker.Clock.GetUtcNow().AddMonths(10), clock.DueAt);
    }

    /// <summary>The review desk sends <paramref name="id"/> to MLAT: its state then, its draft's planning date and its planning clock.</summary>
    private async Task<(string? State, DateTimeOffset DraftDue, EvidenceBroker.Server.Sla.Deadline? Clock)> ReviewedToMlatAsync(Guid id)
    {
        var sent = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "mlat", text = "Let the central authorities weigh it." });
        var draft = await broker.GetAsync("met-case-system", $"/api/v1/mlat/drafts/{id}");
        var clock = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking()
            .SingleOrDefaultAsync(d => d.RequestId == id && d.Kind == EvidenceBroker.Server.Sla.DeadlineKind.MlatPlanning));
        return (sent.Body.GetProperty("state").GetString(), draft.GetProperty("planningDueAt").GetDateTimeOffset(), clock);
    }

    [Fact]
    public async Task An_mlat_step_s_note_is_checked_like_any_other_action_s_text()
    {
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var mvd = await broker.ClientAsync("mvd-case-system");

        using var tooLong = await mvd.PostAsJsonAsync($"/api/v1/mlat/drafts/{id}/sent", new { text = new string('x', 10_001) });
        using var control = await mvd.PostAsJsonAsync($"/api/v1/mlat/drafts/{id}/sent", new { text = "sent\u0000" });
        var draft = await broker.GetAsync("mvd-case-system", $"/api/v1/mlat/drafts/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await tooLong.JsonAsync()).GetProperty("errors").TryGetProperty("text", out _));
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        Assert.Equal("drafted", draft.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Drafts_are_listed_a_page_at_a_time_oldest_first_with_their_total()
    {
        await using var own = new BrokerFactory(); // a queue of its own: the class's broker holds other tests' drafts
        List<Guid> filed = [];
        for (var i = 0; i < 3; i++)
        {
            filed.Add(await own.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind()));
            own.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var first = await own.GetAsync("mvd-case-system", "/api/v1/mlat/drafts?pageSize=2");
        var second = await own.GetAsync("mvd-case-system", "/api/v1/mlat/drafts?page=2&pageSize=2");
        using var mvd = await own.ClientAsync("mvd-case-system");
        using var tooLarge = await mvd.GetAsync("/api/v1/mlat/drafts?pageSize=101");

        Assert.Equal(filed[..2], Ids(first));
        Assert.Equal(filed[2..], Ids(second));
        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);
        Assert.True((await tooLarge.JsonAsync()).GetProperty("errors").TryGetProperty("pageSize", out _));

        static List<Guid> Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("requestId").GetGuid())];
    }

    [Fact]
    public async Task The_backlog_counts_open_drafts_by_age_on_sqlite()
    {
        await using var own = new BrokerFactory();
        await BacklogCountsByAgeAsync(own);
    }

    [PostgresFact]
    public async Task The_backlog_counts_open_drafts_by_age_on_postgres()
    {
        await using var own = new PostgresBrokerFactory();
        await BacklogCountsByAgeAsync(own);
    }

    private static async Task BacklogCountsByAgeAsync(BrokerFactory own)
    {
        // Drafted a day, a day, 120 days and 320 days ago: the clock cannot simply move on, since a filing made
        // months after the sample's order was issued is refused.
        var now = own.Clock.GetUtcNow();
        foreach (var age in new[] { 1, 1, 120, 320 })
        {
            var id = await own.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
            var draftedAt = now - TimeSpan.FromDays(age);
            await own.WithDbAsync(db => db.MlatDrafts.Where(d => d.RequestId == id).ExecuteUpdateAsync(set => set.SetProperty(d => d.DraftedAt, draftedAt)));
        }

        var backlog = await own.GetAsync("ipco-oversight", "/api/v1/mlat/backlog");

        var row = Assert.Single(backlog.EnumerateArray());
        Assert.Equal(("RU", "US"), (row.GetProperty("requestingState").GetString(), row.GetProperty("requestedState").GetString()));
        Assert.Equal(2, row.GetProperty("upTo3Months").GetInt32());
        Assert.Equal(1, row.GetProperty("from3To6Months").GetInt32());
        Assert.Equal(0, row.GetProperty("from6To10Months").GetInt32());
        Assert.Equal(1, row.GetProperty("over10Months").GetInt32());
        Assert.Equal(4, row.GetProperty("total").GetInt32());
    }

    private async Task<int> BacklogTotalAsync(string requestingState)
    {
        var backlog = await broker.GetAsync("ipco-oversight", "/api/v1/mlat/backlog");
        return backlog.EnumerateArray().Where(r => r.GetProperty("requestingState").GetString() == requestingState)
            .Sum(r => r.GetProperty("total").GetInt32());
    }

    [PostgresFact]
    public async Task On_postgres_a_draft_keeps_two_authorities_named_at_the_longest_allowed()
    {
        await using var postgres = new PostgresBrokerFactory();
        var longest = new string('N', RequestContentValidator.MaxNameLength);
        var request = SampleRequests.MvdToNorthwind()
            .With("issuingAuthority", new JsonObject { ["type"] = "court", ["name"] = longest })
            .With("validatedBy", new JsonObject { ["type"] = "investigating-judge", ["name"] = longest });

        var id = await postgres.FileAsync("mvd-case-system", request);
        var draft = await postgres.GetAsync("mvd-case-system", $"/api/v1/mlat/drafts/{id}");

        Assert.Contains($"validated by {longest} (investigating-judge)", draft.GetProperty("issuingAuthority").GetString(), StringComparison.Ordinal);
    }
}
