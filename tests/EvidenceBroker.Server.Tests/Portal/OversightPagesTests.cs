using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The oversight body's statistics and MLAT backlog count every request the database holds for it.</summary>
public sealed class OversightPagesTests
{
    [Fact]
    public Task Statistics_and_the_mlat_backlog_count_every_request_on_sqlite() => CountsEveryRequestAsync(new BrokerFactory());

    [PostgresFact]
    public Task Statistics_and_the_mlat_backlog_count_every_request_on_postgresql() => CountsEveryRequestAsync(new PostgresBrokerFactory());

    private static async Task CountsEveryRequestAsync(BrokerFactory created)
    {
        await using var broker = created;
        for (var i = 0; i < 2; i++)
        {
            await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        }

        await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var auditor = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");

        using var page = await auditor.Client.GetAsync("/portal/oversight/statistics");
        Assert.True(page.IsSuccessStatusCode, broker.ServerErrors.ToString());
        var statistics = await auditor.Client.GetStringAsync("/portal/oversight/statistics");
        var csv = await auditor.Client.GetStringAsync("/portal/oversight/statistics?handler=Report");
        var mlat = await auditor.Client.GetStringAsync("/portal/oversight/mlat");

        Assert.Contains("5 requests in total.", statistics, StringComparison.Ordinal);
        var gb = Assert.Single(csv.Split('\n'), line => line.StartsWith("GB,", StringComparison.Ordinal));
        Assert.StartsWith("GB,4,", gb, StringComparison.Ordinal);
        Assert.EndsWith(",1,1", gb, StringComparison.Ordinal); // one emergency, one preservation
        Assert.Contains("RU,1,0,1,0,0,0,0\n", csv, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"mlat-count\">1<", mlat, StringComparison.Ordinal);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(csv)));
        Assert.True(await broker.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(
            db.AuditEntries, e => e.Action == "export.downloaded" && e.SubjectId == "statistics" && e.PayloadJson.Contains(hash))));
    }

    [Fact]
    public Task The_mlat_backlog_page_leaves_out_a_request_whose_mlat_was_executed_as_the_api_backlog_does_on_sqlite() =>
        ListsTheOpenMlatBacklogAsync(new BrokerFactory());

    [PostgresFact]
    public Task The_mlat_backlog_page_leaves_out_a_request_whose_mlat_was_executed_as_the_api_backlog_does_on_postgresql() =>
        ListsTheOpenMlatBacklogAsync(new PostgresBrokerFactory());

    private static async Task ListsTheOpenMlatBacklogAsync(BrokerFactory created)
    {
        await using var broker = created;
        var open = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        var executed = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using (var mvd = await broker.ClientAsync("mvd-case-system"))
        {
            (await mvd.PostJsonAsync($"/api/v1/mlat/drafts/{executed}/sent", new { })).EnsureSuccessStatusCode();
            (await mvd.PostJsonAsync($"/api/v1/mlat/drafts/{executed}/executed", new { })).EnsureSuccessStatusCode();
        }

        using var oversight = await broker.ClientAsync("ipco-oversight");
        var backlog = await (await oversight.GetAsync("/api/v1/mlat/backlog")).JsonAsync();
        using var auditor = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");
        var mlat = await auditor.Client.GetStringAsync("/portal/oversight/mlat");

        Assert.Equal(1, backlog.EnumerateArray().Sum(row => row.GetProperty("total").GetInt32()));
        Assert.Contains("data-testid=\"mlat-count\">1<", mlat, StringComparison.Ordinal);
        Assert.Contains(open.ToString(), mlat, StringComparison.Ordinal);
        Assert.DoesNotContain(executed.ToString(), mlat, StringComparison.Ordinal);
    }

    [Fact]
    public Task The_search_by_failed_rule_finds_the_decisions_that_failed_it_on_sqlite() => FindsFailedRuleAsync(new BrokerFactory());

    [PostgresFact]
    public Task The_search_by_failed_rule_finds_the_decisions_that_failed_it_on_postgresql() => FindsFailedRuleAsync(new PostgresBrokerFactory());

    /// <summary>The search runs in the database, against decisions as they are stored: this holds the two together.</summary>
    private static async Task FindsFailedRuleAsync(BrokerFactory created)
    {
        await using var broker = created;
        var passes = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var fails = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        var failed = (await broker.GetAsync("mvd-case-system", $"/api/v1/requests/{fails}/decision")).GetProperty("reasons").EnumerateArray()
            .First(r => r.GetProperty("status").GetString() == "failed").GetProperty("rule").GetString()!;
        using var auditor = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");

        var found = await auditor.Client.GetStringAsync($"/portal/oversight?rule={failed.ToLowerInvariant()}");
        var wildcard = await auditor.Client.GetStringAsync("/portal/oversight?rule=R1%25");

        Assert.Contains(await broker.ReferenceAsync("mvd-case-system", fails), found, StringComparison.Ordinal);
        Assert.DoesNotContain(await broker.ReferenceAsync("met-case-system", passes), found, StringComparison.Ordinal);
        Assert.DoesNotContain(await broker.ReferenceAsync("mvd-case-system", fails), wildcard, StringComparison.Ordinal); // refused, not a pattern
    }
}
