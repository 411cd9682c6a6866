using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Requests;

public sealed class LifecycleTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private const string Officer = "met-case-system";
    private const string Provider = "northwind-legal";

    [Fact]
    public async Task Provider_acknowledges_and_produces_and_only_the_agency_downloads_the_exact_bytes()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var package = RandomNumberGenerator.GetBytes(300_000);

        var acknowledged = await broker.ActAsync(Provider, id, "acknowledge");
        var produced = await UploadAsync(id, package);
        using var officer = await broker.ClientAsync(Officer);
        var productions = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/productions");
        var productionId = productions[0].GetProperty("id").GetGuid();
        using var download = await officer.GetAsync($"/api/v1/requests/{id}/productions/{productionId}/content");
        var bytes = await download.Content.ReadAsByteArrayAsync();
        using var asProvider = await (await broker.ClientAsync(Provider)).GetAsync($"/api/v1/requests/{id}/productions/{productionId}/content");
        using var asOversight = await (await broker.ClientAsync("ipco-oversight")).GetAsync($"/api/v1/requests/{id}/productions/{productionId}/content");

        Assert.Equal(HttpStatusCode.OK, acknowledged.Status);
        Assert.Equal("produced", produced.GetProperty("state").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(package)), productions[0].GetProperty("sha256").GetString());
        Assert.Equal(package, bytes);
        Assert.Equal(HttpStatusCode.Forbidden, asProvider.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asOversight.StatusCode);
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == id.ToString() && e.Action == "production.downloaded")));
    }

    [Theory]
    [InlineData(RequestTrigger.Produce)]
    [InlineData(RequestTrigger.ProducePartially)]
    public async Task A_production_cannot_be_recorded_without_its_package(RequestTrigger produce)
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var legalTeam = Callers.NorthwindLegal;

        ActionResult result;
        await using (var scope = broker.Services.CreateAsyncScope())
        {
            // What the portal's action form would do with a posted trigger of "produce".
            result = await scope.ServiceProvider.GetRequiredService<RequestActions>().ApplyAsync(legalTeam, id, produce, new ActionInput(), CancellationToken.None);
        }

        Assert.IsType<ActionResult.Invalid>(result);
        Assert.Equal("routed-to-provider", await broker.StateAsync(Officer, id));
    }

    [Fact]
    public async Task An_impossible_action_gets_409_listing_what_is_allowed_now()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());

        var (status, problem) = await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "There is no question." });

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("routed-to-provider", problem.GetProperty("state").GetString());
        Assert.Equal(["withdraw"], AllowedActions(problem));
    }

    [Fact]
    public async Task A_409_offers_only_what_the_callers_role_may_do_not_the_other_sides_steps_nor_the_brokers()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));

        var (providerStatus, asProvider) = await broker.ActAsync(Provider, id, "acknowledge");
        var (officerStatus, asOfficer) = await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "There is no question." });

        Assert.Equal(HttpStatusCode.Conflict, providerStatus);
        Assert.Equal(HttpStatusCode.Conflict, officerStatus);
        Assert.Equal("preservation-active", asProvider.GetProperty("state").GetString());
        Assert.Equal(["refuse"], AllowedActions(asProvider));
        Assert.Equal(["extend-preservation", "convert-to-production", "withdraw"], AllowedActions(asOfficer));
    }

    private static string[] AllowedActions(System.Text.Json.JsonElement problem) =>
        [.. problem.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()!)];

    [Theory]
    [InlineData(false, "routed-to-provider")]
    [InlineData(true, "acknowledged")]
    public async Task The_answer_to_a_question_returns_the_request_to_where_the_question_found_it(bool acknowledgedFirst, string expected)
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        if (acknowledgedFirst)
        {
            Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Provider, id, "acknowledge")).Status);
        }

        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Provider, id, "clarifications", new { text = "Which account?" })).Status);
        var (status, answered) = await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "The primary." });
        var timeline = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");
        var answer = timeline.GetProperty("events").EnumerateArray().Last(e => e.GetProperty("action").GetString() == "request.answer-clarification");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, answered.GetProperty("state").GetString());
        Assert.Equal(expected, answer.GetProperty("stateAfter").GetString());
    }

    [Fact]
    public async Task A_refusal_needs_grounds_and_records_them()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());

        var withoutGrounds = await broker.ActAsync(Provider, id, "refusal", new { text = "No." });
        var unknownGround = await broker.ActAsync(Provider, id, "refusal", new { text = "No.", grounds = new[] { "because" } });
        var refused = await broker.ActAsync(Provider, id, "refusal", new { text = "The account was closed in 2024.", grounds = new[] { "data-not-held" } });
        var timeline = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");

        Assert.Equal(HttpStatusCode.BadRequest, withoutGrounds.Status);
        Assert.True(withoutGrounds.Body.GetProperty("errors").TryGetProperty("grounds", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknownGround.Status);
        Assert.Equal("refused", refused.Body.GetProperty("state").GetString());
        Assert.Contains(timeline.GetProperty("notes").EnumerateArray(), n => n.GetProperty("grounds").GetString() == "data-not-held");
    }

    [Fact]
    public async Task Roles_and_tenants_are_enforced_on_actions()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());

        var otherProvider = await broker.ActAsync("emerald-legal", id, "acknowledge");
        var otherAgency = await broker.ActAsync("bka-case-system", id, "withdrawal", new { text = "Not ours." });
        var officerActingAsProvider = await broker.ActAsync(Officer, id, "acknowledge");
        var oversightWriting = await broker.ActAsync("ipco-oversight", id, "acknowledge");
        var providerWithdrawing = await broker.ActAsync(Provider, id, "withdrawal", new { text = "No." });

        Assert.Equal(HttpStatusCode.NotFound, otherProvider.Status);
        Assert.Equal(HttpStatusCode.NotFound, otherAgency.Status);
        Assert.Equal(HttpStatusCode.Forbidden, officerActingAsProvider.Status);
        Assert.Equal(HttpStatusCode.Forbidden, oversightWriting.Status);
        Assert.Equal(HttpStatusCode.Forbidden, providerWithdrawing.Status);
        Assert.Equal("routed-to-provider", await broker.StateAsync(Officer, id));
    }

    [Fact]
    public async Task An_emergency_waits_for_a_second_person_of_the_agency_then_goes_to_the_provider()
    {
        var emergency = SampleRequests.MetToNorthwindSubscriber()
            .With("urgency", "emergency")
            .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account.")
            .With("issuingAuthority", new JsonObject { ["type"] = "police", ["name"] = "Met Police duty inspector" });
        var id = await broker.FileAsync(Officer, emergency);
        var stateAtFiling = await broker.StateAsync(Officer, id);

        var byOfficer = await broker.ActAsync(Officer, id, "emergency/confirmation", new { text = "Confirmed." });
        var bySupervisor = await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called DI Shah back on 020 7230 1212." });
        var again = await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Twice." });
        var timeline = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");
        var validated = await broker.ActAsync(Officer, id, "validation", new { validatedBy = new { type = "judge", name = "District Judge Patel" } });

        Assert.Equal("awaiting-supervisor", stateAtFiling);
        Assert.Equal(HttpStatusCode.Forbidden, byOfficer.Status);
        Assert.Equal("routed-to-provider", bySupervisor.Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Contains(timeline.GetProperty("deadlines").EnumerateArray(), d => d.GetProperty("kind").GetString() == "post-hoc-validation");
        Assert.Equal(HttpStatusCode.OK, validated.Status);
    }

    [Fact]
    public async Task An_emergency_that_another_rule_sends_to_review_goes_to_a_reviewer_after_its_supervisor_not_to_the_provider()
    {
        var pressEmergency = SampleRequests.MetToNorthwindSubscriber()
            .With("urgency", "emergency")
            .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account.")
            .With("flags", new JsonArray("press"));
        var id = await broker.FileAsync(Officer, pressEmergency);
        var stateAtFiling = await broker.StateAsync(Officer, id);

        var earlyReview = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "Fine." });
        var confirmed = await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called DI Shah back." });
        using var provider = await broker.ClientAsync(Provider);
        using var providerBeforeReview = await provider.GetAsync($"/api/v1/requests/{id}");
        var confirmation = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(e => e.SubjectId == id.ToString() && e.Action == "request.confirm-emergency"));
        var decisionBeforeReview = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/decision");
        var approved = await broker.ActAsync("broker-review-desk", id, "review",
            new { decision = "direct", text = "The journalist is the one threatened, not a source." });
        using var providerAfterReview = await provider.GetAsync($"/api/v1/requests/{id}");

        Assert.Equal("awaiting-supervisor", stateAtFiling);
        Assert.Equal(HttpStatusCode.NotFound, earlyReview.Status); // the review desk sees it only once it is sent for review
        Assert.Equal("awaiting-human-review", confirmed.Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, providerBeforeReview.StatusCode);
        Assert.Equal("awaiting-human-review", confirmation.StateAfter);
        Assert.Equal("supervisor", confirmation.ActorRole);
        Assert.Equal("reviewer", (await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(e => e.SubjectId == id.ToString() && e.Action == "request.approve-direct"))).ActorRole);
        Assert.Contains("\"R8\"", confirmation.PayloadJson, StringComparison.Ordinal);
        Assert.Contains("\"superseded\"", confirmation.PayloadJson, StringComparison.Ordinal);
        Assert.Equal("passed", RuleStatus(decisionBeforeReview, "R11"));
        Assert.Equal("failed", RuleStatus(decisionBeforeReview, "R8"));
        Assert.Equal("routed-to-provider", approved.Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, providerAfterReview.StatusCode);
        Assert.Equal(["request.approve-direct", "request.routed"], await broker.WithDbAsync(db => db.Outbox
            .Where(m => m.RequestId == id && m.Recipient == "provider:northwind-mail").OrderBy(m => m.Topic).Select(m => m.Topic).ToListAsync()));
    }

    [Fact]
    public async Task A_preservation_approved_by_a_reviewer_is_a_preservation_with_its_60_days_not_a_production()
    {
        var pressPreservation = SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation").With("flags", new JsonArray("press"));
        var id = await broker.FileAsync(Officer, pressPreservation);
        var stateAtFiling = await broker.StateAsync(Officer, id);

        var approved = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "Preserving harms no source." });
        var timeline = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");

        Assert.Equal("awaiting-human-review", stateAtFiling);
        Assert.Equal("preservation-active", approved.Body.GetProperty("state").GetString());
        var kinds = timeline.GetProperty("deadlines").EnumerateArray().Select(d => d.GetProperty("kind").GetString()).ToList();
        Assert.Contains("preservation", kinds);
        Assert.DoesNotContain("response", kinds);
    }

    [Fact]
    public async Task A_preservation_becomes_a_production_only_if_the_rules_for_a_production_allow_it()
    {
        var byProsecutor = SampleRequests.MetToNorthwindSubscriber()
            .With("urgency", "preservation")
            .With("dataCategories", new JsonArray("content"))
            .With("issuingAuthority", new JsonObject { ["type"] = "prosecutor", ["name"] = "Crown Prosecution Service" });
        var byCourt = SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation");
        var refusedId = await broker.FileAsync(Officer, byProsecutor);
        var convertedId = await broker.FileAsync(Officer, byCourt);
        var refusedEntriesBefore = await AuditEntriesAsync(refusedId);
        var decidedAtFiling = await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == convertedId).Select(d => d.DecidedAt).SingleAsync());
        broker.Clock.Advance(TimeSpan.FromDays(3));

        var refused = await broker.ActAsync(Officer, refusedId, "preservation/conversion");
        var converted = await broker.ActAsync(Officer, convertedId, "preservation/conversion");
        var timeline = await broker.GetAsync(Officer, $"/api/v1/requests/{convertedId}/timeline");
        var conversion = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(e => e.SubjectId == convertedId.ToString() && e.Action == "request.convert-to-production"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Contains("R4", refused.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("R4", refused.Body.GetProperty("deciding").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("preservation-active", await broker.StateAsync(Officer, refusedId));
        Assert.Equal(refusedEntriesBefore + 1, await AuditEntriesAsync(refusedId)); // the refusal, and nothing else
        var refusal = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking().OrderBy(e => e.Sequence).LastAsync(e => e.SubjectId == refusedId.ToString()));
        Assert.Equal(("request.conversion-refused", null, null), (refusal.Action, refusal.StateBefore, refusal.StateAfter));
        Assert.Contains("\"R4\"", refusal.PayloadJson, StringComparison.Ordinal);
        var providerTimeline = await broker.GetAsync(Provider, $"/api/v1/requests/{refusedId}/timeline");
        Assert.DoesNotContain(providerTimeline.GetProperty("events").EnumerateArray(), e => e.GetProperty("action").GetString() == "request.conversion-refused");
        Assert.Equal("routed-to-provider", converted.Body.GetProperty("state").GetString());
        Assert.Contains(timeline.GetProperty("deadlines").EnumerateArray(), d =>
            d.GetProperty("kind").GetString() == "response" && !d.TryGetProperty("completedAt", out _));
        Assert.Contains("\"outcome\":\"direct\"", conversion.PayloadJson, StringComparison.Ordinal);
        Assert.Equal(decidedAtFiling, await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == convertedId).Select(d => d.DecidedAt).SingleAsync()));
    }

    [Fact]
    public async Task An_eu_preservation_order_becomes_the_eu_production_order_and_that_decision_is_the_one_in_force()
    {
        var epocPr = SampleRequests.MetToNorthwindSubscriber()
            .With("requestingCountry", "DE").With("agencyId", "de-bka").With("providerId", "emerald-cloud")
            .With("issuingAuthority", new JsonObject { ["type"] = "court", ["name"] = "Amtsgericht Wiesbaden" })
            .With("urgency", "preservation").With("legalInstrument", "eu-epoc-pr");
        var id = await broker.FileAsync("bka-case-system", epocPr);
        var atFiling = await broker.GetAsync("bka-case-system", $"/api/v1/requests/{id}/decision");

        var converted = await broker.ActAsync("bka-case-system", id, "preservation/conversion");
        var inForce = await broker.GetAsync("bka-case-system", $"/api/v1/requests/{id}/decision");

        Assert.Equal("eu-epoc-pr", atFiling.GetProperty("channel").GetString());
        Assert.True(converted.Status == HttpStatusCode.OK, converted.Body.ToString());
        Assert.Equal("eu-epoc", inForce.GetProperty("channel").GetString());
        Assert.Equal("eu-epoc", converted.Body.GetProperty("channel").GetString());
    }

    [PostgresFact]
    public async Task On_postgres_a_confirmation_and_a_conversion_replace_the_decision_in_force_inside_the_write_batch()
    {
        await using var postgres = new PostgresBrokerFactory();
        var emergency = SampleRequests.MetToNorthwindSubscriber()
            .With("urgency", "emergency")
            .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account.");
        var emergencyId = await postgres.FileAsync(Officer, emergency);
        var preservationId = await postgres.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));

        var confirmed = await postgres.ActAsync("met-supervisor-desk", emergencyId, "emergency/confirmation", new { text = "Called back." });
        var converted = await postgres.ActAsync(Officer, preservationId, "preservation/conversion");
        var emergencyDecision = await postgres.GetAsync(Officer, $"/api/v1/requests/{emergencyId}/decision");
        var conversionDecision = await postgres.GetAsync(Officer, $"/api/v1/requests/{preservationId}/decision");

        Assert.True(confirmed.Status == HttpStatusCode.OK, $"{confirmed.Body}\n{postgres.ServerErrors}");
        Assert.Equal("routed-to-provider", confirmed.Body.GetProperty("state").GetString());
        Assert.Equal("direct", emergencyDecision.GetProperty("outcome").GetString());
        Assert.Equal("passed", RuleStatus(emergencyDecision, "R11"));
        Assert.Equal("routed-to-provider", converted.Body.GetProperty("state").GetString());
        Assert.Equal("not-applicable", RuleStatus(conversionDecision, "R12"));
    }

    [Fact]
    public async Task A_reviewer_decides_a_human_review_request_and_both_reasons_are_kept()
    {
        var press = SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press"));
        var id = await broker.FileAsync(Officer, press);
        var stateAtFiling = await broker.StateAsync(Officer, id);

        var byOversight = await broker.ActAsync("ipco-oversight", id, "review", new { decision = "direct", text = "Fine." });
        var byReviewer = await broker.ActAsync("broker-review-desk", id, "review",
            new { decision = "direct", text = "The journalist is a suspect, not a source; no source material is sought." });
        var decision = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/decision");
        var timeline = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");

        Assert.Equal("awaiting-human-review", stateAtFiling);
        Assert.Equal(HttpStatusCode.Forbidden, byOversight.Status);
        Assert.Equal("routed-to-provider", byReviewer.Body.GetProperty("state").GetString());
        Assert.Equal("human-review", decision.GetProperty("outcome").GetString());
        Assert.Contains(timeline.GetProperty("notes").EnumerateArray(), n => n.GetProperty("kind").GetString() == "review");
    }

    [Fact]
    public async Task A_production_declared_as_a_web_page_downloads_as_an_attachment_that_no_browser_runs()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, id, "acknowledge");
        using var provider = await broker.ClientAsync(Provider);
        var page = new ByteArrayContent("<script>alert(document.cookie)</script>"u8.ToArray());
        page.Headers.ContentType = new MediaTypeHeaderValue("text/html");
        using var uploaded = await provider.PostAsync($"/api/v1/requests/{id}/productions?fileName=records.html", page);
        var productionId = (await broker.GetAsync(Officer, $"/api/v1/requests/{id}/productions"))[0].GetProperty("id").GetGuid();

        using var officer = await broker.ClientAsync(Officer);
        using var download = await officer.GetAsync($"/api/v1/requests/{id}/productions/{productionId}/content");

        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", Assert.Single(download.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("sandbox", Assert.Single(download.Headers.GetValues("Content-Security-Policy")));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("application/zip; name=\"a")]
    public async Task A_package_whose_type_no_download_could_carry_is_refused_naming_the_content_type(string contentType)
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, id, "acknowledge");
        using var provider = await broker.ClientAsync(Provider);
        using var package = new ByteArrayContent([1, 2, 3]);
        Assert.True(package.Headers.TryAddWithoutValidation("Content-Type", contentType));

        using var uploaded = await provider.PostAsync($"/api/v1/requests/{id}/productions?fileName=records.zip", package);

        Assert.Equal(HttpStatusCode.BadRequest, uploaded.StatusCode);
        Assert.True((await uploaded.JsonAsync()).GetProperty("errors").TryGetProperty("Content-Type", out _));
        Assert.Equal(0, await broker.WithDbAsync(db => db.Productions.CountAsync(p => p.RequestId == id)));
    }

    [Fact]
    public async Task A_production_marked_partial_with_a_word_that_is_not_true_or_false_is_refused_naming_partial()
    {
        var (id, uploaded) = await UploadToAnAcknowledgedRequestAsync("fileName=records.zip&partial=maybe");
        using var response = uploaded;

        Assert.Equal(HttpStatusCode.BadRequest, uploaded.StatusCode);
        Assert.Equal("application/problem+json", uploaded.Content.Headers.ContentType?.MediaType);
        Assert.True((await uploaded.JsonAsync()).GetProperty("errors").TryGetProperty("partial", out _));
        Assert.Equal(0, await broker.WithDbAsync(db => db.Productions.CountAsync(p => p.RequestId == id)));
        Assert.Equal("acknowledged", await broker.StateAsync(Officer, id));
    }

    [Theory]
    [InlineData("fileName=d.zip&fileName=e.zip", "fileName")]
    [InlineData("fileName=%E2%80%AEgpj.exe", "fileName")] // a right-to-left override: the download would read "exe.jpg"
    [InlineData("fileName=a%E2%80%8Bb.zip", "fileName")] // a zero-width space
    public async Task A_package_name_given_twice_or_with_invisible_formatting_is_refused_and_nothing_stored(string query, string field)
    {
        var (id, uploaded) = await UploadToAnAcknowledgedRequestAsync(query);
        using var response = uploaded;

        Assert.Equal(HttpStatusCode.BadRequest, uploaded.StatusCode);
        Assert.True((await uploaded.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(0, await broker.WithDbAsync(db => db.Productions.CountAsync(p => p.RequestId == id)));
    }

    /// <summary>A three-byte package sent with <paramref name="query"/> to a request its provider has acknowledged.</summary>
    private async Task<(Guid Id, HttpResponseMessage Uploaded)> UploadToAnAcknowledgedRequestAsync(string query)
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, id, "acknowledge");
        using var provider = await broker.ClientAsync(Provider);
        using var package = new ByteArrayContent([1, 2, 3]);
        package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return (id, await provider.PostAsync($"/api/v1/requests/{id}/productions?{query}", package));
    }

    [Fact]
    public async Task A_reviewer_s_rejection_of_a_request_no_longer_waiting_for_review_is_a_conflict_not_a_refusal_of_rights()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));
        await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "No source is sought." });

        var rejected = await broker.ActAsync("broker-review-desk", id, "review", new { decision = "rejected", text = "Too late." });

        Assert.Equal(HttpStatusCode.Conflict, rejected.Status);
        Assert.Equal("routed-to-provider", rejected.Body.GetProperty("state").GetString());
        Assert.Equal("routed-to-provider", await broker.StateAsync(Officer, id));
    }

    [Fact]
    public async Task An_agency_token_got_without_the_write_scope_is_told_which_scope_it_lacks()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        using var readOnly = broker.CreateClient();
        readOnly.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await broker.NewTokenAsync(Officer, "requests.read"));

        using var withdrawn = await readOnly.PostAsJsonAsync($"/api/v1/requests/{id}/withdrawal", new { text = "No longer needed." });
        var problem = await withdrawn.JsonAsync();

        Assert.Equal(HttpStatusCode.Forbidden, withdrawn.StatusCode);
        Assert.Contains("requests.write", problem.GetProperty("title").GetString() + problem.ToString(), StringComparison.Ordinal);
        Assert.Equal("routed-to-provider", await broker.StateAsync(Officer, id));
    }

    [Fact]
    public async Task Upload_is_checked_before_storing_and_needs_a_file_name()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        using var provider = await broker.ClientAsync(Provider);

        using var noName = await provider.PostAsync($"/api/v1/requests/{id}/productions", new ByteArrayContent([1, 2, 3]));
        using var beforeAcknowledging = await provider.PostAsync($"/api/v1/requests/{id}/productions?fileName=x.zip", new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, beforeAcknowledging.StatusCode);
        Assert.Equal(0, await broker.WithDbAsync(db => db.Productions.CountAsync(p => p.RequestId == id)));
        Assert.False(Directory.Exists(Path.Combine(broker.DataDirectory, "files", id.ToString("N")))
                     && Directory.EnumerateFiles(Path.Combine(broker.DataDirectory, "files", id.ToString("N"))).Any());
    }

    [Fact]
    public async Task An_empty_package_is_refused_naming_it_and_the_provider_can_still_upload_the_real_one()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, id, "acknowledge");
        using var provider = await broker.ClientAsync(Provider);
        var empty = new ByteArrayContent([]);
        empty.Headers.ContentType = new MediaTypeHeaderValue("application/zip");

        using var refused = await provider.PostAsync($"/api/v1/requests/{id}/productions?fileName=production.zip", empty);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.JsonAsync()).GetProperty("errors").TryGetProperty("package", out _));
        Assert.Equal(0, await broker.WithDbAsync(db => db.Productions.CountAsync(p => p.RequestId == id)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(broker.DataDirectory, "files", id.ToString("N"))));
        await UploadAsync(id, [1, 2, 3]);
    }

    [Fact]
    public async Task A_package_that_cannot_be_read_or_a_head_request_is_not_recorded_as_downloaded()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, id, "acknowledge");
        await UploadAsync(id, [1, 2, 3]);
        var productionId = (await broker.GetAsync(Officer, $"/api/v1/requests/{id}/productions"))[0].GetProperty("id").GetGuid();
        using var portal = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        using var head = await portal.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/portal/requests/detail/{id}?handler=Production&productionId={productionId}"));
        var stored = await broker.WithDbAsync(db => db.Productions.Where(p => p.Id == productionId).Select(p => p.StoredPath).SingleAsync());
        File.Delete(Path.Combine(broker.DataDirectory, "files", stored));

        using var officer = await broker.ClientAsync(Officer);
        using var download = await officer.GetAsync($"/api/v1/requests/{id}/productions/{productionId}/content");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, download.StatusCode);
        Assert.Equal(0, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == id.ToString() && e.Action == "production.downloaded")));
    }

    [Fact]
    public async Task A_production_of_another_request_is_not_found_as_a_production_of_the_request_asked_for_and_is_not_downloaded()
    {
        var asked = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var other = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, other, "acknowledge");
        await UploadAsync(other, [1, 2, 3]);
        var productionId = (await broker.GetAsync(Officer, $"/api/v1/requests/{other}/productions"))[0].GetProperty("id").GetGuid();
        using var officer = await broker.ClientAsync(Officer);

        using var download = await officer.GetAsync($"/api/v1/requests/{asked}/productions/{productionId}/content");
        var problem = await download.JsonAsync();

        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        Assert.Equal("application/problem+json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("No such production.", $"Request {asked} has no production {productionId}."),
            (problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString()));
        Assert.Equal(0, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(
            e => e.Action == "production.downloaded" && (e.SubjectId == asked.ToString() || e.SubjectId == other.ToString()))));
    }

    [Fact]
    public async Task The_portal_upload_refuses_a_name_or_type_longer_than_a_production_keeps()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, id, "acknowledge");
        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");

        async Task<string> UploadAsync(string fileName, string contentType)
        {
            var package = new ByteArrayContent([1, 2, 3]);
            package.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            using var form = new MultipartFormDataContent
            {
                { new StringContent(await legal.FormTokenAsync($"/portal/requests/detail/{id}")), "__RequestVerificationToken" },
                { package, "package", fileName },
            };
            return (await legal.PostAsync($"/portal/requests/detail/{id}?handler=Produce", form)).Body;
        }

        var longName = await UploadAsync(new string('n', 252) + ".zip", "application/zip");
        var longType = await UploadAsync("records.zip", "application/x-" + new string('t', 100));

        Assert.Contains("Name the package (1–255 characters", WebUtility.HtmlDecode(longName), StringComparison.Ordinal);
        Assert.Contains("in at most 100 characters.", longType, StringComparison.Ordinal);
        Assert.Equal(0, await broker.WithDbAsync(db => db.Productions.CountAsync(p => p.RequestId == id)));
    }

    private async Task<System.Text.Json.JsonElement> UploadAsync(Guid id, byte[] package)
    {
        using var provider = await broker.ClientAsync(Provider);
        var content = new ByteArrayContent(package);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await provider.PostAsync($"/api/v1/requests/{id}/productions?fileName=production.zip", content);
        var json = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json;
    }

    private Task<int> AuditEntriesAsync(Guid requestId) =>
        broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == requestId.ToString()));

    private static string? RuleStatus(System.Text.Json.JsonElement decision, string rule) =>
        decision.GetProperty("reasons").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == rule).GetProperty("status").GetString();
}
