using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Exports;

public sealed class DossierTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private async Task<(Guid Id, string Reference)> FileAsync(string client = "met-case-system", System.Text.Json.Nodes.JsonObject? body = null)
    {
        var id = await broker.FileAsync(client, body ?? SampleRequests.MetToNorthwindSubscriber());
        var created = await broker.GetAsync(client, $"/api/v1/requests/{id}");
        return (id, created.GetProperty("reference").GetString()!);
    }

    private async Task<HttpResponseMessage> DossierAsync(string client, Guid id)
    {
        using var caller = await broker.ClientAsync(client);
        return await caller.GetAsync($"/api/v1/requests/{id}/dossier.pdf");
    }

    [Fact]
    public async Task The_dossier_shows_every_rule_of_the_decision_and_every_audit_hash()
    {
        var (id, reference) = await FileAsync();
        await using (var scope = broker.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(CancellationToken.None);
        }

        using var response = await DossierAsync("met-case-system", id);
        var pdf = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var text = PdfFiles.Text(pdf);
        var stored = await broker.WithDbAsync(db => db.Decisions.SingleAsync(d => d.RequestId == id));
        var decision = JsonSerializer.Deserialize<Decision>(stored.DecisionJson, DecisionJson.Options)!;
        Assert.Contains(reference, text, StringComparison.Ordinal);
        Assert.All(decision.Reasons, r =>
        {
            Assert.Contains(PdfFiles.Squash(r.Rule), text, StringComparison.Ordinal);
            Assert.Contains(PdfFiles.Squash(r.Message), text, StringComparison.Ordinal);
        });
        Assert.Contains(PdfFiles.Squash(decision.PolicyVersion), text, StringComparison.Ordinal);
        Assert.Contains(PdfFiles.Squash(decision.Engine!), text, StringComparison.Ordinal);
        var entries = await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectType == "request" && e.SubjectId == id.ToString()).ToListAsync());
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Contains(e.Hash, text, StringComparison.Ordinal));
        Assert.Contains("checkpoint#", text, StringComparison.Ordinal);
        var checkpoint = await broker.WithDbAsync(db => db.AuditCheckpoints.OrderByDescending(c => c.Sequence).FirstAsync());
        Assert.Contains(AuditCheckpoint.SignedTime(checkpoint.At), text, StringComparison.Ordinal); // to the digit that is signed
        Assert.Contains(checkpoint.Signature, text, StringComparison.Ordinal);
        Assert.Contains("None:nohumanreview", text, StringComparison.Ordinal);
        Assert.Contains("response10days", text, StringComparison.Ordinal); // the length as the law states it, not P10D
        Assert.DoesNotContain("(brokerdefault)(brokerdefault)", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("deadline)(brokerdefault)", text, StringComparison.Ordinal);
        Assert.Contains("Page1of", text, StringComparison.Ordinal);
        await PdfFiles.RasteriseFirstPageAsync(pdf, "dossier");
    }

    [Fact]
    public async Task The_dossier_lists_only_the_checkpoints_that_cover_its_entries_not_every_one_in_between()
    {
        await using var own = new BrokerFactory();
        var id = await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var first = await CheckpointAsync(own);
        var between = new List<AuditCheckpoint>();
        for (var i = 0; i < 5; i++)
        {
            await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()); // other requests' entries
            between.Add((await CheckpointAsync(own))!);
        }

        await own.ActAsync("northwind-legal", id, "acknowledge");
        var last = await CheckpointAsync(own);

        using var caller = await own.ClientAsync("met-case-system");
        var text = PdfFiles.Text(await caller.GetByteArrayAsync($"/api/v1/requests/{id}/dossier.pdf"));

        Assert.Contains(first!.Signature, text, StringComparison.Ordinal);
        Assert.Contains(last!.Signature, text, StringComparison.Ordinal);
        Assert.All(between, c => Assert.DoesNotContain(c.Signature, text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_checkpoint_written_into_the_table_from_outside_is_not_presented_as_one()
    {
        await using var own = new BrokerFactory();
        var id = await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var genuine = await CheckpointAsync(own);
        var first = await own.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == id.ToString()).OrderBy(e => e.Sequence).FirstAsync());
        var forged = new AuditCheckpoint
        {
            Sequence = first.Sequence, HeadHash = first.Hash, At = DateTimeOffset.UtcNow, KeyId = genuine!.KeyId,
            Algorithm = AuditCheckpoint.EcdsaP256Sha256, Signature = Convert.ToBase64String(new byte[64]),
        };
        await own.WithDbAsync(db =>
        {
            db.AuditCheckpoints.Add(forged);
            return db.SaveChangesAsync();
        });

        using var caller = await own.ClientAsync("met-case-system");
        var text = PdfFiles.Text(await caller.GetByteArrayAsync($"/api/v1/requests/{id}/dossier.pdf"));

        Assert.DoesNotContain(forged.Signature, text, StringComparison.Ordinal);
        Assert.Contains(genuine.Signature, text, StringComparison.Ordinal);
    }

    private static async Task<AuditCheckpoint?> CheckpointAsync(BrokerFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_dossier_embeds_its_own_two_fonts()
    {
        var (id, _) = await FileAsync();

        var pdf = await (await DossierAsync("met-case-system", id)).Content.ReadAsByteArrayAsync();

        var fonts = PdfFiles.FontNames(pdf);
        Assert.All(fonts, f => Assert.Contains("Go", f, StringComparison.Ordinal));
        Assert.InRange(fonts.Count, 1, 2);
        Assert.True(pdf.AsSpan().IndexOf("FontFile2"u8) >= 0, "fonts are embedded");
    }

    [Theory]
    [InlineData("met-case-system", HttpStatusCode.OK)]
    [InlineData("nca-case-system", HttpStatusCode.NotFound)]
    [InlineData("northwind-legal", HttpStatusCode.OK)]
    [InlineData("emerald-legal", HttpStatusCode.NotFound)]
    [InlineData("ipco-oversight", HttpStatusCode.OK)]
    [InlineData("broker-admin", HttpStatusCode.NotFound)]
    [InlineData("broker-review-desk", HttpStatusCode.NotFound)]
    public async Task Dossiers_go_to_the_request_s_own_tenants_and_oversight_never_to_administrators(string client, HttpStatusCode expected)
    {
        var (id, _) = await FileAsync();

        using var response = await DossierAsync(client, id);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task The_provider_cannot_get_the_dossier_of_a_request_not_released_to_it()
    {
        var (id, _) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());

        using var response = await DossierAsync("northwind-legal", id);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_mlat_draft_carries_the_route_the_facts_and_why_no_direct_channel()
    {
        var (id, reference) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var officer = await broker.ClientAsync("mvd-case-system");

        using var response = await officer.GetAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf");
        var pdf = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = PdfFiles.Text(pdf);
        var decision = JsonSerializer.Deserialize<Decision>(
            await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == id).Select(d => d.DecisionJson).SingleAsync()), DecisionJson.Options)!;
        Assert.Contains("Requestformutuallegalassistance", text, StringComparison.Ordinal);
        Assert.Contains(reference, text, StringComparison.Ordinal);
        Assert.Contains(PdfFiles.Squash(decision.MlatRoute.TreatyBasis), text, StringComparison.Ordinal);
        Assert.Contains("suspect.one@northwind.example", text, StringComparison.Ordinal);
        var toMlat = decision.Reasons.Where(r => r.Status == RuleStatus.Failed && r.OnFailure == Outcome.Mlat).ToList();
        Assert.NotEmpty(toMlat);
        Assert.All(toMlat, r => Assert.Contains(PdfFiles.Squash(r.Rule + r.Message), text, StringComparison.Ordinal));
        Assert.All(decision.Reasons.Where(r => r.Status == RuleStatus.Failed && r.OnFailure != Outcome.Mlat),
            r => Assert.DoesNotContain(PdfFiles.Squash(r.Message), text, StringComparison.Ordinal));
        Assert.Contains("Productionby", text, StringComparison.Ordinal);
        await PdfFiles.RasteriseFirstPageAsync(pdf, "mlat-draft");
    }

    [Fact]
    public async Task A_request_that_went_direct_still_has_an_mlat_draft_that_says_it_was_prepared_on_request()
    {
        var (id, reference) = await FileAsync();
        using var officer = await broker.ClientAsync("met-case-system");

        using var response = await officer.GetAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf");

        Assert.Equal("routed-to-provider", await broker.StateAsync("met-case-system", id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = PdfFiles.Text(await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(reference, text, StringComparison.Ordinal);
        Assert.Contains(PdfFiles.Squash("The decision did not send this request to MLAT; this draft was prepared on request."), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mlat_draft_s_letter_ends_at_its_signature_and_the_broker_s_findings_follow_on_pages_of_their_own()
    {
        var (id, _) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var officer = await broker.ClientAsync("mvd-case-system");
        var pages = PdfFiles.PageTexts(await officer.GetByteArrayAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf"));
        var decision = JsonSerializer.Deserialize<Decision>(
            await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == id).Select(d => d.DecisionJson).SingleAsync()), DecisionJson.Options)!;
        var finding = PdfFiles.Squash(decision.Reasons.First(r => r.Status == RuleStatus.Failed && r.OnFailure == Outcome.Mlat).Message);

        var signedOn = pages.ToList().FindIndex(p => p.Contains("Signed:", StringComparison.Ordinal));
        var annexFrom = pages.ToList().FindIndex(p => p.Contains("Annexforthecentralauthority", StringComparison.Ordinal));

        Assert.True(signedOn >= 0 && annexFrom > signedOn, $"signature on page {signedOn + 1}, annex from page {annexFrom + 1}");
        Assert.All(pages.Take(annexFrom), p => Assert.DoesNotContain(finding, p, StringComparison.Ordinal));
        Assert.Contains("Notpartoftherequest", pages[annexFrom], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ip_address_s_time_of_use_is_printed_to_the_second_in_utc_in_the_draft_the_dossier_and_the_stored_draft()
    {
        var identifier = new JsonObject
        {
            ["type"] = "ip", ["value"] = "198.51.100.7", ["from"] = "2026-03-01T10:15:42+02:00", ["to"] = "2026-03-01T10:15:58+02:00",
        };
        var (id, _) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind()
            .With("dataCategories", new JsonArray("identification")).With("identifiers", new JsonArray(identifier)));
        using var officer = await broker.ClientAsync("mvd-case-system");

        var draft = PdfFiles.Text(await officer.GetByteArrayAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf"));
        var dossier = PdfFiles.Text(await officer.GetByteArrayAsync($"/api/v1/requests/{id}/dossier.pdf"));
        var stored = await broker.GetAsync("mvd-case-system", $"/api/v1/mlat/drafts/{id}");

        Assert.Contains("2026-03-0108:15:42UTC–2026-03-0108:15:58UTC", draft, StringComparison.Ordinal);
        Assert.Contains("2026-03-0108:15:42UTC–2026-03-0108:15:58UTC", dossier, StringComparison.Ordinal);
        Assert.Contains("(2026-03-01T08:15:42Z to 2026-03-01T08:15:58Z)", stored.GetProperty("identifiers").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mlat_draft_names_the_flagged_circumstances_and_a_reviewer_s_reasons_for_sending_it_to_mlat()
    {
        var (flagged, _) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind().With("flags", new JsonArray("immunity")));
        var (reviewed, _) = await FileAsync(body: SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));
        var review = await broker.ActAsync("broker-review-desk", reviewed, "review",
            new { decision = "mlat", text = "The account is a newsroom's: let the central authorities weigh source protection." });
        using var mvd = await broker.ClientAsync("mvd-case-system");
        using var met = await broker.ClientAsync("met-case-system");

        var immunity = PdfFiles.Text(await mvd.GetByteArrayAsync($"/api/v1/exports/requests/{flagged}/mlat-draft.pdf"));
        var press = PdfFiles.Text(await met.GetByteArrayAsync($"/api/v1/exports/requests/{reviewed}/mlat-draft.pdf"));

        Assert.Equal(HttpStatusCode.OK, review.Status);
        Assert.Contains("flagged:immunity", immunity, StringComparison.Ordinal);
        Assert.Contains("flagged:press", press, StringComparison.Ordinal);
        Assert.Contains("R8", press, StringComparison.Ordinal);
        Assert.Contains(PdfFiles.Squash("let the central authorities weigh source protection"), press, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_identifier_longer_than_a_page_runs_on_to_the_next_pages_not_off_the_page()
    {
        var identifier = new JsonObject { ["type"] = "account", ["value"] = new string('中', 512) };
        var (id, _) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind().With("identifiers", new JsonArray(identifier)));
        using var officer = await broker.ClientAsync("mvd-case-system");

        var pdf = await officer.GetByteArrayAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf");

        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        var brackets = document.GetPages().SelectMany(p => p.Letters).Where(l => l.Value == "[").ToList();
        // PDF coordinates run up from the page's foot. Below 66 pt lie the footer band (24 pt, whose texts have no
        // bracket) and the 42 pt margin: no code point printed for the identifier may sit there.
        Assert.Equal(512, brackets.Count);
        Assert.DoesNotContain(brackets, l => l.BoundingBox.Bottom < 66);
    }

    [Fact]
    public async Task Each_dossier_and_draft_taken_is_recorded_with_its_hash_outside_the_request_s_timeline()
    {
        var (id, _) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var officer = await broker.ClientAsync("mvd-case-system");

        var dossier = await officer.GetByteArrayAsync($"/api/v1/requests/{id}/dossier.pdf");
        var draft = await officer.GetByteArrayAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf");
        var timeline = await broker.GetAsync("mvd-case-system", $"/api/v1/requests/{id}/timeline");

        var entries = await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == id.ToString() && e.Action.EndsWith(".downloaded"))
            .OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(["dossier.downloaded", "mlat-draft.downloaded"], entries.Select(e => e.Action));
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(dossier)), entries[0].PayloadJson, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(draft)), entries[1].PayloadJson, StringComparison.Ordinal);
        Assert.Equal(("mvd-case-system", "dossier"), (entries[0].ActorId, entries[0].SubjectType));
        Assert.DoesNotContain(timeline.GetProperty("events").EnumerateArray(), e => e.GetProperty("action").GetString()!.EndsWith(".downloaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_decision_revised_after_filing_says_when_by_what_and_what_it_replaced()
    {
        var (id, _) = await FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        var atFiling = await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == id).Select(d => d.DecisionJson).SingleAsync());
        broker.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Threat confirmed." })).Status);
        var confirmedAt = broker.Clock.GetUtcNow();
        var (other, _) = await FileAsync();

        var revised = PdfFiles.Text(await (await DossierAsync("met-case-system", id)).Content.ReadAsByteArrayAsync());
        var asFiled = PdfFiles.Text(await (await DossierAsync("met-case-system", other)).Content.ReadAsByteArrayAsync());

        Assert.Contains(",byrequest.confirm-emergency(auditentry#", revised, StringComparison.Ordinal);
        Assert.Contains(AuditHashing.Sha256Hex(atFiling), revised, StringComparison.Ordinal);
        Assert.Contains("Revisedno:thedecisionmadeatfiling", asFiled, StringComparison.Ordinal);
        // The decision in force was made at the confirmation, three minutes after the one made at filing; the timeline
        // keeps both, each with its own outcome.
        Assert.Contains("Decidedat" + Formatting.Time(confirmedAt).Replace(" ", "", StringComparison.Ordinal), revised, StringComparison.Ordinal);
        Assert.Contains("Decidedhuman-review,policy", revised, StringComparison.Ordinal);
        Assert.Contains("Decidedagaindirect,policy", revised, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_provider_s_copy_says_a_decision_was_revised_before_it_reached_the_provider_without_saying_how()
    {
        var (id, _) = await FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice().With("flags", new System.Text.Json.Nodes.JsonArray("press")));
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Threat confirmed." })).Status);
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = "No source is sought." })).Status);

        var forProvider = PdfFiles.Text(await (await DossierAsync("northwind-legal", id)).Content.ReadAsByteArrayAsync());

        Assert.Contains("Revisedyes,beforetherequestreachedyou", forProvider, StringComparison.Ordinal);
        Assert.DoesNotContain("Revisedno:", forProvider, StringComparison.Ordinal);
        Assert.DoesNotContain("confirm-emergency", forProvider, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_outside_the_fonts_is_printed_as_code_points_not_lost()
    {
        var (id, _) = await FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()
            .With("justification", "The account sent שלום and 中文 to the victim,\tthen Ελληνικά and Русский."));

        var text = PdfFiles.Text(await (await DossierAsync("met-case-system", id)).Content.ReadAsByteArrayAsync());

        Assert.Contains("sent[U+05E9][U+05DC][U+05D5][U+05DD]and[U+4E2D][U+6587]tothevictim,thenΕλληνικάandРусский.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mlat_draft_of_a_preservation_asks_for_preservation_not_production()
    {
        var (id, _) = await FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind().With("urgency", "preservation"));
        using var officer = await broker.ClientAsync("mvd-case-system");

        var text = PdfFiles.Text(await officer.GetByteArrayAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf"));

        Assert.Contains("Preservation,pendingarequestforitsproduction,by", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Productionby", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_never_get_mlat_drafts()
    {
        var (id, _) = await FileAsync();
        using var provider = await broker.ClientAsync("northwind-legal");

        using var response = await provider.GetAsync($"/api/v1/exports/requests/{id}/mlat-draft.pdf");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
