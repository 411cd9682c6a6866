using System.Net;
using System.Text.RegularExpressions;
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

    [Fact]
    public async Task A_what_if_says_it_replayed_every_stored_decision_in_the_number_there_is_not_the_most_recent_few()
    {
        await using var own = new BrokerFactory();
        await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] = files["pack.yaml"].Replace("label: \"", "label: \"Candidate ", StringComparison.Ordinal);
        using var api = await own.ClientAsync("broker-admin");
        using var stored = await api.PostJsonAsync("/api/v1/policy/versions", new { files });
        var version = (await stored.JsonAsync()).GetProperty("version").GetString();
        using var admin = await PortalBrowser.SignedInAsync(own, "admin@broker.example");

        var (_, _, one) = await admin.PostFormAsync($"/portal/admin/policy?handler=WhatIf&version={version}", []);
        await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var (_, _, two) = await admin.PostFormAsync($"/portal/admin/policy?handler=WhatIf&version={version}", []);

        Assert.Equal("Replayed the one stored decision with this version: it would be decided the same way.", Said(one));
        Assert.Equal("Replayed all 2 stored decisions with this version: 0 would be decided differently.", Said(two));
    }

    [Fact]
    public async Task The_versions_are_listed_newest_first_as_the_api_lists_them_not_by_their_hash()
    {
        await using var own = new BrokerFactory();
        using var api = await own.ClientAsync("broker-admin");
        foreach (var label in new[] { "First", "Second", "Third" })
        {
            own.Clock.Advance(TimeSpan.FromMinutes(1));
            var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
            files["pack.yaml"] = files["pack.yaml"].Replace("label: \"", $"label: \"{label} ", StringComparison.Ordinal);
            using var stored = await api.PostJsonAsync("/api/v1/policy/versions", new { files });
            stored.EnsureSuccessStatusCode();
        }

        var listed = (await own.GetAsync("broker-admin", "/api/v1/policy/versions")).EnumerateArray().Select(v => v.GetProperty("version").GetString()!).ToList();
        using var admin = await PortalBrowser.SignedInAsync(own, "admin@broker.example");
        var page = await admin.Client.GetStringAsync("/portal/admin/policy");
        var shown = Regex.Matches(page, "<td><code>(?<v>sha256:[^<]+)</code></td>").Select(m => m.Groups["v"].Value).ToList();

        Assert.Equal(4, shown.Count); // the pack in force and the three stored after it
        Assert.Equal(listed, shown);
    }

    /// <summary>The what-if summary's text, its tags dropped and its spaces collapsed.</summary>
    private static string Said(string page)
    {
        var html = Regex.Match(page, "data-testid=\"what-if-summary\">(?<html>.*?)</p>", RegexOptions.Singleline).Groups["html"].Value;
        return Regex.Replace(WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", "")), "\\s+", " ").Trim();
    }
}
