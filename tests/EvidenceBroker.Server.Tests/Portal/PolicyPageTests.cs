using System.Net;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The administrator's policy page: a refused suspension is marked as the other portal forms are.</summary>
public sealed class PolicyPageTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task A_suspension_without_a_country_marks_the_field_invalid_opens_on_the_summary_and_keeps_the_reason_encoded()
    {
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (status, _, page) = await admin.PostFormAsync("/portal/admin/policy?handler=Suspend",
            new() { ["Country"] = "", ["Reason"] = "<script>alert(1)</script> elections" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, "country"), "aria-invalid"));
        Assert.Contains("err-country", PortalHtml.DescribedBy(page, "country"));
        Assert.Null(PortalHtml.Attribute(PortalHtml.Tag(page, "reason"), "aria-invalid"));
        Assert.Contains("href=\"#country\"", page, StringComparison.Ordinal);
        Assert.NotNull(PortalHtml.Attribute(PortalHtml.Tag(page, "err-summary"), "autofocus"));
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; elections", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_activation_is_shown_as_a_problem_and_announced_not_as_a_success()
    {
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] = files["pack.yaml"].Replace("effectiveFrom: 2026-11-01", "effectiveFrom: 2026-12-01", StringComparison.Ordinal);
        using var api = await broker.ClientAsync("broker-admin");
        using var stored = await api.PostJsonAsync("/api/v1/policy/versions", new { files });
        var version = (await stored.JsonAsync()).GetProperty("version").GetString();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (status, _, page) = await admin.PostFormAsync($"/portal/admin/policy?handler=Activate&version={version}", []);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("not yet in effect", page, StringComparison.Ordinal);
        Assert.Contains("class=\"errors error-summary\" role=\"alert\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"flash\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suspension_of_a_country_suspended_for_another_reason_is_refused_at_the_country_naming_the_one_in_force()
    {
        using var api = await broker.ClientAsync("broker-admin");
        using var first = await api.PostJsonAsync("/api/v1/policy/suspensions", new { country = "NL", reason = "Elections annulled." });
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (status, _, page) = await admin.PostFormAsync("/portal/admin/policy?handler=Suspend",
            new() { ["Country"] = "NL", ["Reason"] = "Another reason." });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, "country"), "aria-invalid"));
        Assert.Contains("NL has been suspended since", page, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"flash\"", page, StringComparison.Ordinal);
    }
}
