using System.Net;
using EvidenceBroker.Server.Development;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>An authenticator code signs in once: a code seen or captured cannot be used again while it is current.</summary>
public sealed class AuthenticatorCodeTests
{
    private const string Officer = "officer@met.example";
    private const string Refused = "That code is not right.";

    [Fact]
    public async Task The_code_used_to_enrol_cannot_sign_in_again_and_the_next_one_can()
    {
        await using var broker = new BrokerFactory();
        using var first = await PortalBrowser.SignedInAsync(broker, Officer);
        var used = first.CodeNow();

        using var replay = new PortalBrowser(broker, Officer);
        var replayed = await replay.SignInAsync(code: used);
        var next = await replay.SignInAsync(code: replay.NextCode());

        Assert.Contains(Refused, replayed, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"who\"", replayed, StringComparison.Ordinal);
        Assert.Contains("class=\"who\"", next, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_older_code_is_refused_after_a_newer_one_signed_in()
    {
        await using var broker = new BrokerFactory();
        using var first = await PortalBrowser.SignedInAsync(broker, Officer);
        var older = first.CodeNow();
        using var second = await PortalBrowser.SignedInAsync(broker, Officer); // a step later

        using var third = new PortalBrowser(broker, Officer);
        var page = await third.SignInAsync(code: older); // still within the window

        Assert.Contains(Refused, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_posts_of_one_code_at_once_sign_in_only_one_of_them()
    {
        await using var broker = new BrokerFactory();
        using (await PortalBrowser.SignedInAsync(broker, Officer)) { }

        var browsers = Enumerable.Range(0, 4).Select(_ => new PortalBrowser(broker, Officer)).ToList();
        foreach (var browser in browsers)
        {
            var afterPassword = await browser.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });
            Assert.Contains("/account/twofactor", afterPassword.Path, StringComparison.OrdinalIgnoreCase);
        }

        var code = browsers[0].NextCode();
        var pages = await Task.WhenAll(browsers.Select(b => b.PostFormAsync("/portal/account/twofactor", new() { ["Code"] = code })));
        browsers.ForEach(b => b.Dispose());

        Assert.All(pages, page => Assert.Equal(HttpStatusCode.OK, page.Status));
        Assert.Single(pages, page => page.Body.Contains("class=\"who\"", StringComparison.Ordinal));
        Assert.Equal(3, pages.Count(page => page.Body.Contains(Refused, StringComparison.Ordinal)));
    }
}
