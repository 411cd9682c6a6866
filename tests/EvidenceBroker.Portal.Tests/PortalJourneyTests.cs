using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace EvidenceBroker.Portal.Tests;

/// <summary>End-to-end journeys in a real Chromium against a real Kestrel broker.</summary>
[Collection(PortalGroup.Name)]
public sealed partial class PortalJourneyTests(PortalFixture portal)
{
    private const string Officer = "officer@met.example";
    private const string OtherAgencyOfficer = "officer@bka.example";
    private const string ProviderLegal = "legal@northwind.example";
    private const string Auditor = "auditor@oversight.example";
    private const string Admin = "admin@broker.example";
    private const string Supervisor = "supervisor@met.example";
    private const string Reviewer = "reviewer@broker.example";
    private const string EmeraldLegal = "legal@emerald.example";

    [Fact]
    public async Task Sign_in_requires_enrolling_an_authenticator_then_a_code_every_time()
    {
        // A user no other journey signs in as: the others sign in once each, and this one's two sign-ins take two
        // authenticator steps, the current one and the next, which the broker takes one step early.
        var page = await portal.NewPageAsync();
        await portal.SignInAsync(page, EmeraldLegal, screenshotPrefix: "01");
        Assert.True(portal.IsEnrolled(EmeraldLegal));
        Assert.Contains("/portal/provider", page.Url, StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GotoAsync("/portal/provider");
        Assert.Contains("/portal/account/login", page.Url, StringComparison.Ordinal);

        // A wrong code is refused; the right one signs in.
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(EmeraldLegal);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(EvidenceBroker.Server.Development.DevelopmentSeed.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await PortalFixture.ReachedAsync(page, "/account/twofactor");
        var code = await portal.CodeForAsync(EmeraldLegal);
        var wrong = ((int.Parse(code, CultureInfo.InvariantCulture) + 500_000) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(wrong);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not right");
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await PortalFixture.ReachedAsync(page, "/portal/provider$");
    }

    [Fact]
    public async Task The_api_stays_bearer_only_even_with_a_portal_cookie()
    {
        var page = await portal.SignedInPageAsync(Officer);
        var response = await page.Context.APIRequest.GetAsync("/api/v1/requests");
        Assert.Equal(401, response.Status);
        var headers = (await page.GotoAsync("/portal/officer"))!.Headers;
        Assert.Contains("script-src 'self'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", headers["content-security-policy"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_eligible_request_goes_direct_and_the_provider_and_oversight_see_it_but_another_agency_does_not()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        var (id, reference) = await FileAsync(officer, "northwind-mail", expectedPreview: "Direct to provider", screenshot: "02-officer-new-request");
        await Assertions.Expect(officer.GetByTestId("outcome")).ToHaveTextAsync("Direct to provider");
        await Assertions.Expect(officer.GetByTestId("state")).ToHaveTextAsync("With the provider");
        await Assertions.Expect(officer.GetByTestId("reasons")).ToContainTextAsync("R1");
        await PortalFixture.ShotAsync(officer, "03-officer-request");
        await officer.GotoAsync("/portal/officer");
        await Assertions.Expect(officer.GetByRole(AriaRole.Link, new() { Name = reference })).ToBeVisibleAsync();
        await Assertions.Expect(officer.Locator("tr", new() { HasText = reference })).ToContainTextAsync("left");
        await PortalFixture.ShotAsync(officer, "04-officer-my-requests");

        // The provider's legal team finds it in its inbox, with its deadline.
        var provider = await portal.SignedInPageAsync(ProviderLegal);
        await Assertions.Expect(provider.GetByRole(AriaRole.Link, new() { Name = reference })).ToBeVisibleAsync();
        await PortalFixture.ShotAsync(provider, "05-provider-inbox");
        await provider.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        await Assertions.Expect(provider.GetByTestId("reference")).ToHaveTextAsync(reference);
        await PortalFixture.ShotAsync(provider, "06-provider-request");

        // The provider acknowledges, then produces by uploading the response package.
        await provider.GetByTestId("action-acknowledge").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(provider.GetByTestId("state")).ToHaveTextAsync("Acknowledged");
        await provider.GetByLabel("Response package").SetInputFilesAsync(new FilePayload
        {
            Name = "northwind-production.txt", MimeType = "text/plain", Buffer = "mailbox export for suspect@example.com\n"u8.ToArray(),
        });
        await provider.GetByRole(AriaRole.Button, new() { Name = "Upload and produce" }).ClickAsync();
        await Assertions.Expect(provider.GetByTestId("state")).ToHaveTextAsync("Produced");
        await PortalFixture.ShotAsync(provider, "06b-provider-produced");

        // The officer downloads what was produced.
        await officer.GotoAsync($"/portal/requests/detail/{id}");
        await Assertions.Expect(officer.GetByTestId("state")).ToHaveTextAsync("Produced");
        var produced = await officer.RunAndWaitForDownloadAsync(() => officer.GetByTestId("download-production").ClickAsync());
        Assert.Equal("mailbox export for suspect@example.com\n", await File.ReadAllTextAsync((await produced.PathAsync())!));
        var productionUrl = await officer.GetByTestId("download-production").GetAttributeAsync("href");
        var productionHeaders = (await officer.APIRequest.GetAsync(new Uri(new Uri(officer.Url), productionUrl).ToString())).Headers;
        Assert.Equal("sandbox; default-src 'none'", productionHeaders["content-security-policy"]); // the provider's file runs nothing
        Assert.Equal("nosniff", productionHeaders["x-content-type-options"]);
        await PortalFixture.ShotAsync(officer, "06c-officer-produced");

        // Oversight searches by provider and outcome, opens the decision and downloads its record.
        var oversight = await portal.SignedInPageAsync(Auditor);
        await oversight.GetByLabel("Provider").SelectOptionAsync("northwind-mail");
        await oversight.GetByLabel("Outcome").SelectOptionAsync("direct");
        await oversight.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(oversight.GetByRole(AriaRole.Link, new() { Name = reference })).ToBeVisibleAsync();
        await PortalFixture.ShotAsync(oversight, "07-oversight-search");
        await oversight.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        var rows = await oversight.GetByTestId("reasons").Locator("tbody tr").CountAsync();
        Assert.True(rows >= 26, $"every rule C1–C11 and R1–R15 is listed, found {rows}");
        var download = await oversight.RunAndWaitForDownloadAsync(() => oversight.GetByTestId("download-decision").ClickAsync());
        var json = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("\"outcome\": \"direct\"", json, StringComparison.Ordinal);
        var dossier = await oversight.RunAndWaitForDownloadAsync(() => oversight.GetByTestId("download-dossier").ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await dossier.PathAsync())!);
        Assert.True(pdf.Length > 10_000 && Encoding.ASCII.GetString(pdf, 0, 5) == "%PDF-", "the dossier is a PDF");
        Assert.Equal($"dossier-{reference}.pdf", dossier.SuggestedFilename);
        await PortalFixture.ShotAsync(oversight, "08-oversight-decision");

        // An officer of another agency cannot open it by URL: 404, as if it did not exist.
        var stranger = await portal.SignedInPageAsync(OtherAgencyOfficer);
        var response = await stranger.GotoAsync($"/portal/requests/detail/{id}");
        Assert.Equal(404, response!.Status);
    }

    [Fact]
    public async Task A_clarification_pauses_the_providers_clock_on_screen_and_the_answer_restarts_it()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        var (id, reference) = await FileAsync(officer, "northwind-mail", expectedPreview: "Direct to provider", screenshot: null);
        await Assertions.Expect(officer.GetByTestId("countdown")).ToContainTextAsync("left");

        var provider = await portal.SignedInPageAsync(ProviderLegal);
        await provider.GotoAsync($"/portal/requests/detail/{id}");
        var ask = provider.GetByTestId("action-request-clarification");
        await ask.GetByLabel("Your question").FillAsync("Which of the two accounts with this address?");
        await ask.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(provider.GetByTestId("countdown")).ToHaveTextAsync("clock paused");
        await provider.GotoAsync("/portal/provider");
        await Assertions.Expect(provider.Locator("tr", new() { HasText = reference })).ToContainTextAsync("clock paused");
        await PortalFixture.ShotAsync(provider, "06d-provider-clock-paused");

        await officer.GotoAsync($"/portal/requests/detail/{id}");
        await Assertions.Expect(officer.GetByTestId("countdown")).ToHaveTextAsync("clock paused");
        var answer = officer.GetByTestId("action-answer-clarification");
        await answer.GetByLabel("Your answer").FillAsync("The one created on 2 February 2026.");
        await answer.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(officer.GetByTestId("countdown")).ToContainTextAsync("left");
    }

    [Fact]
    public async Task An_emergency_waits_for_the_supervisors_confirmation_before_it_reaches_the_provider()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        var (id, reference) = await FileAsync(officer, "northwind-mail", expectedPreview: "Human review", screenshot: null,
            emergencyThreat: "A message from this address announces an attack on a named person tonight.", category: "Subscriber information");
        await Assertions.Expect(officer.GetByTestId("state")).ToHaveTextAsync("Awaiting supervisor");

        var supervisor = await portal.SignedInPageAsync(Supervisor);
        await supervisor.GotoAsync("/portal/supervisor");
        await Assertions.Expect(supervisor.GetByRole(AriaRole.Link, new() { Name = reference })).ToBeVisibleAsync();
        await PortalFixture.ShotAsync(supervisor, "05b-supervisor-emergencies");
        await supervisor.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        await supervisor.GetByTestId("action-confirm-emergency").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(supervisor.GetByTestId("state")).ToHaveTextAsync("With the provider");

        var provider = await portal.SignedInPageAsync(ProviderLegal);
        await provider.GotoAsync($"/portal/requests/detail/{id}");
        await Assertions.Expect(provider.GetByTestId("reference")).ToHaveTextAsync(reference);
    }

    [Fact]
    public async Task The_review_desk_sees_and_decides_what_is_sent_to_it_and_the_provider_sees_the_request_from_its_release()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        var (_, routed) = await FileAsync(officer, "northwind-mail", expectedPreview: "Direct to provider", screenshot: null);
        var (id, reference) = await FileAsync(officer, "northwind-mail", expectedPreview: "Human review", screenshot: null, flag: "Journalist or press");

        var reviewer = await portal.SignedInPageAsync(Reviewer);
        await reviewer.GotoAsync("/portal/oversight");
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Link, new() { Name = reference })).ToBeVisibleAsync();
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Link, new() { Name = routed })).ToHaveCountAsync(0);
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Link, new() { Name = "Audit chain" })).ToHaveCountAsync(0);
        await PortalFixture.ShotAsync(reviewer, "08b-reviewer-queue");
        await reviewer.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        var approve = reviewer.GetByTestId("action-approve-direct");
        await approve.GetByLabel("Reason").FillAsync("The journalist is a suspect, not a source; no source material is sought.");
        await approve.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(reviewer.GetByTestId("state")).ToHaveTextAsync("With the provider");
        var audit = await reviewer.GotoAsync("/portal/oversight/audit");

        var provider = await portal.SignedInPageAsync(ProviderLegal);
        await provider.GotoAsync($"/portal/requests/detail/{id}");
        await Assertions.Expect(provider.GetByTestId("reference")).ToHaveTextAsync(reference);
        await Assertions.Expect(provider.GetByTestId("timeline").Locator("li")).ToHaveCountAsync(1);
        Assert.Equal(403, audit!.Status); // the whole chain's latest entries are for oversight, not the review desk
    }

    [Fact]
    public async Task A_request_without_a_direct_channel_lands_in_the_mlat_queue()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        var (_, reference) = await FileAsync(officer, "rheinhost", expectedPreview: "MLAT", screenshot: null);
        await Assertions.Expect(officer.GetByTestId("state")).ToHaveTextAsync("Queued for MLAT");

        var oversight = await portal.SignedInPageAsync(Auditor);
        await oversight.GotoAsync("/portal/oversight/mlat");
        await Assertions.Expect(oversight.GetByRole(AriaRole.Link, new() { Name = reference })).ToBeVisibleAsync();
        await PortalFixture.ShotAsync(oversight, "09-oversight-mlat");
        await oversight.GotoAsync("/portal/oversight/statistics");
        await PortalFixture.ShotAsync(oversight, "10-oversight-statistics");
        await oversight.GotoAsync("/portal/oversight/audit");
        await PortalFixture.ShotAsync(oversight, "11-oversight-audit");
        await Assertions.Expect(oversight.GetByTestId("chain-status")).ToContainTextAsync("Intact");
    }

    [Fact]
    public async Task The_administrator_sees_what_a_stored_pack_would_change_before_activating_it()
    {
        var files = PolicyPackStore.ReadDirectory(Path.Combine(PortalFixture.RepositoryRoot(), "policies"));
        files["pack.yaml"] += "\n# a reviewed copy, stored by the portal test\n";
        string candidate;
        using (var scope = portal.Services.CreateScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<PolicyPackStore>()
                .StoreAsync(files, "portal-test", "administrator", "Administration:broker", CancellationToken.None);
            candidate = stored.Load.Pack!.Version;
        }

        var admin = await portal.SignedInPageAsync(Admin);
        admin.Dialog += (_, dialog) => dialog.AcceptAsync(); // the activation asks once
        await admin.GotoAsync("/portal/admin/policy");
        var row = admin.Locator("tr", new() { HasText = candidate });
        await Assertions.Expect(row).ToContainTextAsync("stored");
        var original = (await admin.Locator("tr", new() { HasText = "active" }).Locator("code").InnerTextAsync()).Trim();
        await row.GetByRole(AriaRole.Button, new() { Name = "What if…" }).ClickAsync(); // a POST: it is audited
        await Assertions.Expect(admin.GetByTestId("what-if")).ToContainTextAsync("stored decision"); // "Replayed all N stored decisions…", as many as the journeys filed
        await PortalFixture.ShotAsync(admin, "13-admin-policy-what-if");
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Activate {candidate}" }).ClickAsync();
        await Assertions.Expect(admin.Locator("tr", new() { HasText = candidate })).ToContainTextAsync("active");

        // Put the original back, the same way, so the other journeys decide with it.
        await admin.Locator("tr", new() { HasText = original }).GetByRole(AriaRole.Button, new() { Name = "What if…" }).ClickAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Activate {original}" }).ClickAsync();
        await Assertions.Expect(admin.Locator("tr", new() { HasText = original })).ToContainTextAsync("active");
    }

    [Fact]
    public async Task The_form_validates_as_the_officer_types()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        await officer.GotoAsync("/portal/officer/new");
        await officer.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("northwind-mail");
        await officer.GetByLabel("Identifier 1", new() { Exact = true }).FillAsync("*");
        await Assertions.Expect(officer.GetByTestId("preview-outcome")).ToHaveTextAsync("Rejected");
        // A field's error waits until the officer has been through it (RequestFormErrorTimingTests): here, left empty.
        await officer.GetByLabel("Justification", new() { Exact = true }).FocusAsync();
        await officer.Keyboard.PressAsync("Tab");
        await Assertions.Expect(officer.Locator("[data-error-for='justification']")).ToContainTextAsync("facts");
        await Assertions.Expect(officer.Locator("#preview")).ToContainTextAsync("R1");

        // A provider in the officer's own state is not a cross-border request: no MLAT draft from the UK to itself.
        await officer.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("thames-social");
        await Assertions.Expect(officer.Locator("[data-error-for='providerId']")).ToContainTextAsync("own legal process");
        await Assertions.Expect(officer.GetByLabel("Provider", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");

        // A field the officer puts right is no longer announced as invalid.
        await officer.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("northwind-mail");
        await Assertions.Expect(officer.Locator("[data-error-for='providerId']")).ToBeEmptyAsync();
        await Assertions.Expect(officer.GetByLabel("Provider", new() { Exact = true })).Not.ToHaveAttributeAsync("aria-invalid", "true");
    }

    [Fact]
    public async Task The_administrator_suspends_a_country_with_a_reason_and_registers_and_disables_an_api_client()
    {
        var admin = await portal.SignedInPageAsync(Admin);
        await PortalFixture.ShotAsync(admin, "12-admin-directory");
        await admin.GetByLabel("Client id").FillAsync("portal-test-client");
        await admin.GetByLabel("Tenant kind").SelectOptionAsync("Agency");
        await admin.Locator("#cl-name").FillAsync("Test case system");
        await admin.GetByLabel("Tenant id").FillAsync("gb-nca");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register client" }).ClickAsync();
        var secret = await admin.GetByTestId("shown-secret").InnerTextAsync();
        Assert.Matches(HexSecret(), secret.Trim());
        await admin.GotoAsync("/portal/admin");
        Assert.DoesNotContain(secret.Trim(), await admin.ContentAsync(), StringComparison.Ordinal);
        string? asked = null;
        admin.Dialog += async (_, dialog) => { asked ??= dialog.Message; await dialog.AcceptAsync(); }; // disabling a client asks first
        await admin.GetByRole(AriaRole.Button, new() { Name = "Disable portal-test-client" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Enable portal-test-client" })).ToBeVisibleAsync();
        Assert.StartsWith("Disable portal-test-client?", asked, StringComparison.Ordinal);
        await PortalFixture.ShotAsync(admin, "12b-admin-client-disabled");

        // A switch that does not say which way is refused, not read as "enable".
        var form = admin.Context.APIRequest.CreateFormData();
        form.Set("Id", "portal-test-client");
        form.Set("__RequestVerificationToken", await admin.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value") ?? "");
        var unsaid = await admin.APIRequest.PostAsync("/portal/admin?handler=ClientSwitch", new() { Form = form });
        Assert.Contains("Say whether to disable or enable the client.", await unsaid.TextAsync(), StringComparison.Ordinal);
        await admin.ReloadAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Enable portal-test-client" })).ToBeVisibleAsync();

        // A supervisors' desk for an agency: its token carries the supervision scope and not the filing one.
        await admin.GetByLabel("Client id").FillAsync("portal-test-desk");
        await admin.GetByLabel("Tenant kind").SelectOptionAsync("Agency");
        await admin.Locator("#cl-name").FillAsync("Test supervisors' desk");
        await admin.GetByLabel("Tenant id").FillAsync("gb-nca");
        await admin.GetByLabel("A desk", new() { Exact = false }).CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register client" }).ClickAsync();
        var deskSecret = (await admin.GetByTestId("shown-secret").InnerTextAsync()).Trim();
        var tokenForm = admin.Context.APIRequest.CreateFormData();
        tokenForm.Set("grant_type", "client_credentials");
        tokenForm.Set("client_id", "portal-test-desk");
        tokenForm.Set("client_secret", deskSecret);
        var token = await admin.APIRequest.PostAsync("/connect/token", new() { Form = tokenForm });
        var scope = (await token.JsonAsync())?.GetProperty("scope").GetString() ?? "";
        Assert.Contains("requests.supervise", scope, StringComparison.Ordinal);
        Assert.DoesNotContain("requests.write", scope, StringComparison.Ordinal);

        await admin.GotoAsync("/portal/admin/policy");
        await admin.GetByLabel("Country").SelectOptionAsync("RU");
        await admin.GetByLabel("Reason").FillAsync("Demo: assessment under review after new surveillance law.");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Suspend now" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("suspensions")).ToContainTextAsync("RU");
        await PortalFixture.ShotAsync(admin, "13-admin-policy");
    }

    [Fact]
    public async Task The_request_form_reads_well_on_a_tablet()
    {
        var officer = await portal.SignedInPageAsync(Officer, width: 820, height: 1180);
        await officer.GotoAsync("/portal/officer/new");
        var width = await officer.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 820, $"no sideways scrolling on a tablet, page is {width}px wide");
        await PortalFixture.ShotAsync(officer, "14-tablet-new-request");
    }

    // The portal runs on the real clock, so a fixed date would turn every request to human review once it passed.
    private static string HalfAYearFromToday() =>
        DateOnly.FromDateTime(DateTime.UtcNow).AddDays(182).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static async Task<(Guid Id, string Reference)> FileAsync(
        IPage page, string provider, string expectedPreview, string? screenshot, string? emergencyThreat = null, string category = "Content",
        string? flag = null)
    {
        await page.GotoAsync("/portal/officer/new");
        await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync(provider);
        await page.GetByLabel(category, new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Identifier 1", new() { Exact = true }).FillAsync("suspect@example.com");
        await page.GetByLabel("First day of data", new() { Exact = true }).FillAsync("2026-05-07");
        await page.GetByLabel("Last day of data", new() { Exact = true }).FillAsync("2026-11-02");
        await page.GetByLabel("Offence", new() { Exact = true }).FillAsync("Fraud by false representation");
        await page.GetByLabel("Maximum penalty (years)", new() { Exact = true }).FillAsync("10");
        await page.GetByLabel("Issuing authority", new() { Exact = true }).SelectOptionAsync("judge");
        await page.GetByLabel("Name of the authority", new() { Exact = true }).FillAsync("Southwark Crown Court");
        await page.GetByLabel("Justification", new() { Exact = true }).FillAsync(
            "Fourteen victims paid deposits for non-existent flats; each payment instruction came from suspect@example.com.");
        await page.GetByLabel("Target nationality", new() { Exact = true }).FillAsync("GB");
        await page.GetByLabel("Target residence", new() { Exact = true }).FillAsync("GB");
        await page.GetByLabel("Target located in", new() { Exact = true }).FillAsync("GB");
        await page.GetByLabel("Provider must not tell the user until", new() { Exact = true }).FillAsync(HalfAYearFromToday());
        await page.GetByLabel("The issuing authority accepts the use limits", new() { Exact = false }).CheckAsync();
        if (flag is not null)
        {
            await page.GetByLabel(flag, new() { Exact = true }).CheckAsync();
        }

        if (emergencyThreat is not null)
        {
            await page.GetByLabel("Emergency (threat to life)").CheckAsync();
            await page.GetByLabel("The imminent threat", new() { Exact = true }).FillAsync(emergencyThreat);
        }

        await Assertions.Expect(page.GetByTestId("preview-outcome")).ToHaveTextAsync(expectedPreview);
        if (screenshot is not null) { await PortalFixture.ShotAsync(page, screenshot); }
        // The live preview re-renders beside the form while the page settles; a click by coordinates can land on
        // the moving layout under load. Dispatch the click on the button itself (the form still submits natively).
        await page.GetByRole(AriaRole.Button, new() { Name = "File request" }).DispatchEventAsync("click");
        await PortalFixture.ReachedAsync(page, "/portal/requests/detail/");
        var id = Guid.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..]);
        return (id, (await page.GetByTestId("reference").InnerTextAsync()).Trim());
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexSecret();
}
