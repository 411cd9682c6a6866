using System.Net;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The sign-in and account forms mark a refused field as the other portal forms do.</summary>
public sealed class AccountFormTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task A_sign_in_without_email_or_password_marks_both_fields_and_opens_on_the_summary()
    {
        using var browser = new PortalBrowser(broker, "officer@met.example");

        var (status, _, page) = await browser.PostFormAsync("/portal/account/login", new() { ["Email"] = "", ["Password"] = "" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(["Email", "Password"], field =>
        {
            Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, field), "aria-invalid"));
            Assert.Contains($"err-{field}", PortalHtml.DescribedBy(page, field));
            Assert.Contains($"href=\"#{field}\"", page, StringComparison.Ordinal);
        });
        Assert.NotNull(PortalHtml.Attribute(PortalHtml.Tag(page, "err-summary"), "autofocus"));
    }

    [Fact]
    public async Task A_refused_sign_in_is_told_in_the_summary_without_saying_which_field_was_wrong()
    {
        using var browser = new PortalBrowser(broker, "officer@met.example");

        var (_, _, page) = await browser.PostFormAsync("/portal/account/login",
            new() { ["Email"] = "officer@met.example", ["Password"] = "not the password" });

        Assert.NotNull(PortalHtml.Attribute(PortalHtml.Tag(page, "err-summary"), "autofocus"));
        Assert.Contains("The email or password is not right", page, StringComparison.Ordinal);
        Assert.All(["Email", "Password"], field => Assert.Null(PortalHtml.Attribute(PortalHtml.Tag(page, field), "aria-invalid")));
    }

    [Fact]
    public async Task A_wrong_current_password_on_the_account_page_marks_that_field()
    {
        using var supervisor = await PortalBrowser.SignedInAsync(broker, "supervisor@met.example");

        var (_, _, page) = await supervisor.PostFormAsync("/portal/account/security?handler=Password",
            new() { ["CurrentPassword"] = "not the password", ["NewPassword"] = "Another-Passw0rd!", ["ConfirmPassword"] = "Another-Passw0rd!" });

        Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, "pw-current"), "aria-invalid"));
        Assert.Null(PortalHtml.Attribute(PortalHtml.Tag(page, "pw-new"), "aria-invalid"));
        Assert.Contains("href=\"#pw-current\"", page, StringComparison.Ordinal);
        Assert.NotNull(PortalHtml.Attribute(PortalHtml.Tag(page, "err-summary"), "autofocus"));
    }
}
