using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The oversight body's audit page, as rendered: intact with its head to keep, or broken and where.</summary>
public sealed class AuditPageTests
{
    [Fact]
    public async Task The_page_says_intact_with_the_head_and_after_tampering_broken_at_the_entry()
    {
        await using var broker = new BrokerFactory();
        await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var auditor = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");

        var intact = await auditor.Client.GetStringAsync("/portal/oversight/audit");
        await broker.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_update");
            return await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Action\" = 'request.withdrawn' WHERE \"Sequence\" = 2");
        });
        var broken = await auditor.Client.GetStringAsync("/portal/oversight/audit");

        Assert.Contains("Intact: all", intact, StringComparison.Ordinal);
        Assert.Contains("Every entry lies under the broker&#x27;s seal", intact, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"chain-head\"", intact, StringComparison.Ordinal);
        Assert.Contains("Broken at entry 2.", broken, StringComparison.Ordinal);
        Assert.DoesNotContain("Intact: all", broken, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"chain-head\"", broken, StringComparison.Ordinal);
    }
}
