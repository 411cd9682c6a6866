using System.Net;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>Every portal page names its icon, and the icon is served: browsers otherwise ask for one and get a 404.</summary>
public sealed partial class PortalAssetsTests
{
    [Fact]
    public async Task The_portals_pages_name_an_icon_that_is_served()
    {
        await using var broker = new BrokerFactory();
        using var browser = broker.CreateClient();

        var page = await browser.GetStringAsync("/portal/account/login");
        var icon = IconLink().Match(page);
        using var served = await browser.GetAsync(icon.Groups["href"].Value);

        Assert.True(icon.Success, "The sign-in page names no icon.");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("image/svg+xml", served.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex("""<link rel="icon" href="(?<href>[^"]+)"[^>]*>""")]
    private static partial Regex IconLink();
}
