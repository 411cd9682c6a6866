using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.Tests.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>A request's page: what was said with each action, and only what the reader's tenant may read.</summary>
public sealed class RequestPageTests
{
    private const string Refusal = "The order does not name an account we hold.";

    [Fact]
    public async Task A_refusal_naming_a_ground_the_broker_does_not_know_records_nothing_rather_than_dropping_the_ground()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var provider = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var form = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", await provider.FormTokenAsync($"/portal/requests/detail/{id}")),
            new("trigger", "refuse"), new("text", Refusal), new("grounds", "no-such-ground"), new("grounds", "data-not-held"),
        };

        await provider.PostAsync($"/portal/requests/detail/{id}?handler=Action", new FormUrlEncodedContent(form));

        Assert.Equal("routed-to-provider", (await broker.GetAsync("met-case-system", $"/api/v1/requests/{id}")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_refusal_sent_back_for_want_of_a_ground_shows_the_reason_again_as_typed_encoded_and_in_its_own_form_only()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var provider = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        const string reason = "No such account <script>alert('typed')</script> & none like it.";

        var (status, _, page) = await PostOnPageAsync(provider, id, "Action", [new("trigger", "refuse"), new("text", reason)]);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(reason, WebUtility.HtmlDecode(PortalHtml.RawText(page, "text-refuse")));
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(page, "alert\\(")); // not in the other forms' texts
        Assert.Equal("Give at least one ground.", WebUtility.HtmlDecode(PortalHtml.RawText(page, "err-action-refuse-grounds")));
    }

    [Fact]
    public async Task A_refusal_sent_back_for_its_text_keeps_the_grounds_ticked()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var provider = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");

        var (_, _, page) = await PostOnPageAsync(provider, id, "Action",
            [new("trigger", "refuse"), new("text", "Not held\u0007."), new("grounds", "data-not-held")]);

        Assert.NotNull(PortalHtml.Attribute(PortalHtml.Tag(page, "refuse-data-not-held"), "checked"));
        Assert.Null(PortalHtml.Attribute(PortalHtml.Tag(page, "refuse-fundamental-rights"), "checked"));
        Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, "text-refuse"), "aria-invalid"));
    }

    [Fact]
    public async Task A_request_queued_for_mlat_offers_withdrawal_until_its_mlat_request_is_executed_and_closing_only_then()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("broker-review-desk", id, "review", new { decision = "mlat", text = "Let the central authorities weigh it." })).Status);
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var page = $"/portal/requests/detail/{id}";

        var whileDrafted = await officer.Client.GetStringAsync(page);
        using var met = await broker.ClientAsync("met-case-system");
        (await met.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null)).EnsureSuccessStatusCode();
        (await met.PostAsync($"/api/v1/mlat/drafts/{id}/executed", null)).EnsureSuccessStatusCode();
        var afterExecution = await officer.Client.GetStringAsync(page);

        Assert.Contains("data-testid=\"action-withdraw\"", whileDrafted, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"action-close\"", whileDrafted, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"action-close\"", afterExecution, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"action-withdraw\"", afterExecution, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_validation_sent_back_keeps_the_validator_chosen_and_named()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice().With("dataCategories", new JsonArray("traffic")));
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called back." })).Status);
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");

        var (_, _, page) = await PostOnPageAsync(officer, id, "Validation", [new("validatorType", "prosecutor"), new("validatorName", "CPS London North")]);

        Assert.Contains("validated by a judge, investigating judge or court", WebUtility.HtmlDecode(PortalHtml.RawText(page, "err-validation-validatedBy")), StringComparison.Ordinal);
        Assert.Equal("CPS London North", PortalHtml.Attribute(PortalHtml.Tag(page, "validator-name"), "value"));
        Assert.Contains("<option value=\"prosecutor\" selected=\"selected\">", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agency_reads_the_provider_s_grounds_and_the_provider_never_the_agency_s_own_deadlines()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Threat confirmed by the duty inspector." })).Status);
        await broker.ActAsync("northwind-legal", id, "acknowledge");
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("northwind-legal", id, "refusal", new { text = Refusal, grounds = new[] { "fundamental-rights" } })).Status);

        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var agencyPage = WebUtility.HtmlDecode(await officer.Client.GetStringAsync($"/portal/requests/detail/{id}"));
        var agencyDecision = await officer.Client.GetStringAsync($"/portal/requests/detail/{id}?handler=Decision");
        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var providerPage = WebUtility.HtmlDecode(await legal.Client.GetStringAsync($"/portal/requests/detail/{id}"));
        var providerDecision = await legal.Client.GetStringAsync($"/portal/requests/detail/{id}?handler=Decision");

        Assert.Contains(Refusal, agencyPage, StringComparison.Ordinal);
        Assert.Contains("Grounds: fundamental rights", agencyPage, StringComparison.Ordinal);
        Assert.Contains(Refusal, providerPage, StringComparison.Ordinal);
        Assert.Contains("Threat confirmed by the duty inspector.", agencyPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Threat confirmed by the duty inspector.", providerPage, StringComparison.Ordinal);
        Assert.Contains("post-hoc-validation", agencyDecision, StringComparison.Ordinal);
        Assert.DoesNotContain("post-hoc-validation", providerDecision, StringComparison.Ordinal);
        Assert.Contains("\"response\"", providerDecision, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_request_page_says_broker_default_once_on_each_deadline_line_whose_source_already_says_it()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");

        var page = WebUtility.HtmlDecode(await officer.Client.GetStringAsync($"/portal/requests/detail/{id}"));
        var list = Regex.Match(page, "data-testid=\"deadlines\">(?<items>.*?)</ul>", RegexOptions.Singleline).Groups["items"].Value;
        var lines = Regex.Matches(list, "<li>(?<line>.*?)</li>", RegexOptions.Singleline).Select(m => Regex.Replace(m.Groups["line"].Value, "<[^>]+>", "")).ToList();

        Assert.Contains(lines, line => line.Contains("— Broker default", StringComparison.Ordinal));
        Assert.All(lines, line => Assert.Single(Regex.Matches(line, "broker default", RegexOptions.IgnoreCase)));
    }

    [Fact]
    public async Task A_preservation_converted_to_production_reads_as_converted_on_its_page_not_as_a_preservation_still()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var before = Urgency(await officer.Client.GetStringAsync($"/portal/requests/detail/{id}"));
        broker.Clock.Advance(TimeSpan.FromHours(5));
        var convertedAt = broker.Clock.GetUtcNow();
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("met-case-system", id, "preservation/conversion")).Status);

        using var later = await PortalBrowser.SignedInAsync(broker, "officer@met.example"); // a new session, after the clock moved on
        var after = Urgency(await later.Client.GetStringAsync($"/portal/requests/detail/{id}"));

        Assert.Equal("Preservation", before);
        Assert.Equal($"Preservation, converted to production on {PortalText.When(convertedAt)}", after);
    }

    [Fact]
    public async Task The_provider_reads_the_agency_s_actors_by_role_and_tenant_not_by_id()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Threat confirmed." });
        await broker.ActAsync("northwind-legal", id, "acknowledge");

        var forProvider = (await broker.GetAsync("northwind-legal", $"/api/v1/requests/{id}/timeline")).GetProperty("events").EnumerateArray().ToList();
        var forAgency = (await broker.GetAsync("met-case-system", $"/api/v1/requests/{id}/timeline")).GetProperty("events").EnumerateArray().ToList();
        using var legal = await broker.ClientAsync("northwind-legal");
        var dossier = PdfFiles.Text(await legal.GetByteArrayAsync($"/api/v1/requests/{id}/dossier.pdf"));

        Assert.Contains(forAgency, e => e.GetProperty("actor").GetString() == "met-supervisor-desk");
        Assert.DoesNotContain(forProvider, e => e.GetProperty("actor").GetString() is "met-supervisor-desk" or "met-case-system");
        Assert.Contains(forProvider, e => e.GetProperty("actor").GetString() == "northwind-legal");
        Assert.DoesNotContain("met-supervisor-desk", dossier, StringComparison.Ordinal);
        Assert.Contains("northwind-legal", dossier, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_officer_records_an_emergency_order_s_validation_on_its_page_and_the_provider_is_offered_no_such_form()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called back." })).Status);
        var page = $"/portal/requests/detail/{id}";
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var providerPage = await legal.Client.GetStringAsync(page);

        var token = await officer.FormTokenAsync(page);
        var posted = await officer.PostAsync($"{page}?handler=Validation", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["validatorType"] = "judge", ["validatorName"] = "District Judge Patel", ["__RequestVerificationToken"] = token,
        }));
        var after = WebUtility.HtmlDecode(posted.Body);

        Assert.DoesNotContain("action-validation", providerPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, posted.Status);
        Assert.Contains("Validation recorded: done.", after, StringComparison.Ordinal);
        Assert.Contains("judge: District Judge Patel", after, StringComparison.Ordinal);
        Assert.DoesNotContain("action-validation", after, StringComparison.Ordinal); // nothing left to record
    }

    [Fact]
    public async Task A_package_stored_with_a_type_no_header_can_carry_downloads_from_the_portal_as_plain_bytes()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync("northwind-legal", id, "acknowledge");
        await broker.ProduceAsync("northwind-legal", id);
        var productionId = await broker.WithDbAsync(async db =>
        {
            var production = await db.Productions.SingleAsync(p => p.RequestId == id);
            await db.Productions.Where(p => p.Id == production.Id).ExecuteUpdateAsync(u => u.SetProperty(p => p.ContentType, "garbage"));
            return production.Id;
        });
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");

        using var download = await officer.Client.GetAsync($"/portal/requests/detail/{id}?handler=Production&productionId={productionId}");

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Posts <paramref name="fields"/> to a handler of the request's page, with the page's antiforgery token.</summary>
    private static async Task<(HttpStatusCode Status, string Path, string Body)> PostOnPageAsync(
        PortalBrowser browser, Guid id, string handler, List<KeyValuePair<string, string>> fields)
    {
        var page = $"/portal/requests/detail/{id}";
        fields.Add(new("__RequestVerificationToken", await browser.FormTokenAsync(page)));
        return await browser.PostAsync($"{page}?handler={handler}", new FormUrlEncodedContent(fields));
    }

    [Theory]
    [InlineData("2025-03-01T00:00:00Z", "2025-03-10T00:00:00Z", "1 Mar 2025 – 9 Mar 2025")]
    [InlineData("2025-03-01T00:00:00Z", "2025-03-10T18:00:00Z", "1 Mar 2025, 00:00 UTC – 10 Mar 2025, 18:00 UTC")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T12:00:00Z", "1 Jan 0001, 00:00 UTC – 1 Jan 0001, 12:00 UTC")]
    public async Task The_request_page_shows_the_period_asked_for_to_its_last_instant(string from, string to, string shown)
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()
            .With("timeRange", new System.Text.Json.Nodes.JsonObject { ["from"] = from, ["to"] = to }));
        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");

        var page = WebUtility.HtmlDecode(await legal.Client.GetStringAsync($"/portal/requests/detail/{id}"));

        Assert.Contains($"<dt>Period</dt><dd>{shown}</dd>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_officer_records_a_refused_validation_on_the_page_which_then_withholds_what_was_produced()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = "Called back." })).Status);
        await broker.ActAsync("northwind-legal", id, "acknowledge");
        await broker.ProduceAsync("northwind-legal", id);
        var page = $"/portal/requests/detail/{id}";
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var before = await officer.Client.GetStringAsync(page);

        var posted = await officer.PostAsync($"{page}?handler=ValidationRefusal", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["text"] = "District Judge Patel refused to validate the order.", ["__RequestVerificationToken"] = await officer.FormTokenAsync(page),
        }));
        var after = WebUtility.HtmlDecode(posted.Body);

        Assert.Contains("data-testid=\"download-production\"", before, StringComparison.Ordinal);
        Assert.Contains("Refused validation recorded: done.", after, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"productions-withheld\"", after, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"download-production\"", after, StringComparison.Ordinal);
    }

    private static string Urgency(string page) =>
        WebUtility.HtmlDecode(Regex.Match(page, "data-testid=\"urgency\">(?<text>[^<]*)<").Groups["text"].Value);
}
