using System.Net;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>
/// What the portal must say in words as well as by colour or position (WCAG 2.2 AA: 1.4.1, 1.3.1, 2.2.1, 2.4.2, 4.1.3),
/// checked in the pages the server writes. What the portal's script does in a browser is checked only as far as
/// the page gives it a status region and the served script writes into it.
/// </summary>
public sealed partial class AccessibilityTests
{
    [Fact]
    public async Task A_request_at_risk_says_so_and_when_it_is_due_in_words()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var response = await broker.WithDbAsync(db => db.Deadlines.AsNoTracking().SingleAsync(d => d.RequestId == id && d.Kind == DeadlineKind.Response));
        broker.Clock.Advance((response.DueAt - response.StartsAt) * 0.9);

        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var inbox = await legal.Client.GetStringAsync("/portal/provider");

        Assert.Contains("<span class=\"tag wait\">at risk</span>", inbox, StringComparison.Ordinal);
        Assert.Contains("<span class=\"visually-hidden\">, due ", inbox, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_preview_announces_only_its_status_line_not_the_whole_panel()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");

        var form = await officer.Client.GetStringAsync("/portal/officer/new");

        Assert.Contains("<p id=\"preview-status\" class=\"visually-hidden\" role=\"status\" aria-atomic=\"true\"></p>", form, StringComparison.Ordinal);
        Assert.DoesNotContain("aria-live", form, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_session_warning_gives_the_end_eight_hours_after_sign_in_though_use_has_renewed_the_cookie()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var ends = broker.Clock.GetUtcNow() + TimeSpan.FromHours(8);

        broker.Clock.Advance(TimeSpan.FromHours(5));
        var early = await officer.Client.GetStringAsync("/portal/officer"); // past half the cookie's life: renewed for 8 hours more
        broker.Clock.Advance(TimeSpan.FromHours(3) - TimeSpan.FromMinutes(9));
        var late = await officer.Client.GetStringAsync("/portal/officer");

        var notice = PortalHtml.Tag(early, "session-notice");
        Assert.Equal("status", PortalHtml.Attribute(notice, "role"));
        Assert.Equal("", PortalHtml.RawText(early, "session-notice"));
        Assert.Equal(((long)(TimeSpan.FromHours(3) - SessionNotice.Lead).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), PortalHtml.Attribute(notice, "data-due-in"));
        Assert.Contains($"Your session ends at {PortalText.When(ends)};", PortalHtml.Attribute(notice, "data-warning"), StringComparison.Ordinal);
        Assert.StartsWith($"Your session ends at {PortalText.When(ends)};", WebUtility.HtmlDecode(PortalHtml.RawText(late, "session-notice")), StringComparison.Ordinal);
        Assert.Contains("not yet sent will then be lost", WebUtility.HtmlDecode(PortalHtml.RawText(late, "session-notice")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_copy_buttons_outcome_is_written_into_a_status_region_beside_it()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var page = (await admin.PostFormAsync("/portal/admin?handler=ClientSecret", new() { ["Id"] = "met-case-system" })).Body;
        var button = Regex.Match(page, """<button[^>]*\sdata-copy="shown-secret"[^>]*>""").Value;
        var script = await admin.Client.GetStringAsync(ScriptSource().Match(page).Groups["src"].Value);

        Assert.Equal("copy-status", PortalHtml.Attribute(button, "data-copy-status"));
        Assert.Equal("status", PortalHtml.Attribute(PortalHtml.Tag(page, "copy-status"), "role"));
        // The card around it is focused to be read out, and is no live region: one inside another may be read twice.
        Assert.Null(PortalHtml.Attribute(PortalHtml.Tag(page, "shown-secret-card"), "role"));
        Assert.NotNull(PortalHtml.Attribute(PortalHtml.Tag(page, "shown-secret-card"), "autofocus"));
        Assert.Contains("document.getElementById(button.dataset.copyStatus)", script, StringComparison.Ordinal);
        Assert.Contains("say(status, \"Copied to the clipboard.\")", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_authenticator_key_shown_at_enrolment_has_a_copy_button_with_its_status_region()
    {
        await using var broker = new BrokerFactory();
        using var officer = new PortalBrowser(broker, "officer@met.example");

        var enrolment = (await officer.PostFormAsync("/portal/account/login", new()
        {
            ["Email"] = "officer@met.example", ["Password"] = Development.DevelopmentSeed.DemoPassword,
        })).Body;
        var button = Regex.Match(enrolment, """<button[^>]*\sdata-copy="authenticator-key"[^>]*>""").Value;

        Assert.NotEmpty(PortalHtml.EnrolmentKey(enrolment));
        Assert.Equal("key-copy-status", PortalHtml.Attribute(button, "data-copy-status"));
        Assert.Equal("status", PortalHtml.Attribute(PortalHtml.Tag(enrolment, "key-copy-status"), "role"));
        Assert.Equal("authenticator-key", PortalHtml.Attribute(PortalHtml.Tag(enrolment, "authenticator-key"), "id"));
    }

    [Fact]
    public async Task A_form_sent_back_with_its_errors_says_Error_first_in_its_title()
    {
        await using var broker = new BrokerFactory();
        using var stranger = new PortalBrowser(broker, "officer@met.example");
        var signIn = await stranger.Client.GetStringAsync("/portal/account/login");
        var wrongPassword = await stranger.PostFormAsync("/portal/account/login", new() { ["Email"] = "officer@met.example", ["Password"] = "not it" });
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");
        var noId = await admin.PostFormAsync("/portal/admin?handler=Agency", new() { ["Id"] = "", ["Country"] = "ES", ["Name"] = "Guardia Civil" });

        Assert.Equal(
            ["Sign in · Evidence Broker", "Error: Sign in · Evidence Broker", "Error: Directory · Evidence Broker"],
            new[] { PortalHtml.Title(signIn), PortalHtml.Title(wrongPassword.Body), PortalHtml.Title(noId.Body) });
    }

    [Fact]
    public async Task A_refusal_shown_in_a_problem_box_says_Error_first_in_its_title()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var ownReset = await admin.PostFormAsync("/portal/admin?handler=ResetSignIn", new() { ["Id"] = await PortalBrowser.UserIdAsync(broker, "admin@broker.example") });

        Assert.Contains("Another administrator resets your own sign-in.", ownReset.Body, StringComparison.Ordinal);
        Assert.Equal("Error: Directory · Evidence Broker", PortalHtml.Title(ownReset.Body));
    }

    [GeneratedRegex("""<script src="(?<src>[^"]+)"[^>]*>""")]
    private static partial Regex ScriptSource();
}
