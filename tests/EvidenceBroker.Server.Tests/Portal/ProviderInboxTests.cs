using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The provider's inbox lists every open request, a page at a time, however many finished ones came after it.</summary>
public sealed class ProviderInboxTests
{
    [Fact]
    public async Task An_old_open_request_stays_first_and_finished_ones_are_the_newest_fifty()
    {
        await using var broker = new BrokerFactory();
        var open = await broker.ReferenceAsync("met-case-system", await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()));
        var finished = new List<string>();
        for (var i = 0; i < 55; i++)
        {
            broker.Clock.Advance(TimeSpan.FromSeconds(1)); // ids, and so the order of filing, follow the clock
            var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
            await broker.ActAsync("met-case-system", id, "withdrawal", new { text = "No longer needed." });
            finished.Add(await broker.ReferenceAsync("met-case-system", id));
        }

        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var inbox = await legal.Client.GetStringAsync("/portal/provider");

        var openAt = inbox.IndexOf(open, StringComparison.Ordinal);
        Assert.True(openAt > 0 && finished[^50..].All(f => inbox.IndexOf(f, StringComparison.Ordinal) > openAt), "the open request comes before every finished one");
        Assert.All(finished[^50..], f => Assert.Contains(f, inbox, StringComparison.Ordinal));
        Assert.All(finished[..5], f => Assert.DoesNotContain(f, inbox, StringComparison.Ordinal));
        Assert.Contains("then the 50 most recently filed finished ones", inbox, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_requests_come_a_page_at_a_time_nearest_deadline_first_and_are_all_counted()
    {
        await using var broker = new BrokerFactory();
        await PagesNearestDeadlineFirstAsync(broker);
    }

    [PostgresFact]
    public async Task Open_requests_come_a_page_at_a_time_nearest_deadline_first_on_postgres()
    {
        await using var broker = new PostgresBrokerFactory();
        await PagesNearestDeadlineFirstAsync(broker);
    }

    private static async Task PagesNearestDeadlineFirstAsync(BrokerFactory broker)
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var filings = Enumerable.Range(0, PortalRequests.PageSize + 1).Select(_ => officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber()));
        var ids = new List<Guid>();
        foreach (var filed in await Task.WhenAll(filings))
        {
            using (filed)
            {
                filed.EnsureSuccessStatusCode();
                ids.Add((await filed.JsonAsync()).GetProperty("id").GetGuid());
            }
        }

        // One due in an hour (of ten days: at risk), one due last of all: the first on the first page, the other alone
        // on the second.
        await ClockAsync(broker, ids[^1], TimeSpan.FromDays(-10), TimeSpan.FromHours(1));
        await ClockAsync(broker, ids[0], TimeSpan.Zero, TimeSpan.FromDays(60));
        var nearest = await broker.ReferenceAsync("met-case-system", ids[^1]);
        var latest = await broker.ReferenceAsync("met-case-system", ids[0]);

        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var first = await legal.Client.GetStringAsync("/portal/provider");
        var second = await legal.Client.GetStringAsync("/portal/provider?p=2");

        Assert.Contains($"<p class=\"stat\">{PortalRequests.PageSize + 1}</p>", first, StringComparison.Ordinal);
        Assert.Contains("<p class=\"stat\">1</p><p class=\"stat-label\">at risk", first, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 2", first, StringComparison.Ordinal);
        Assert.Equal(first.IndexOf(">EB-", StringComparison.Ordinal), first.IndexOf($">{nearest}<", StringComparison.Ordinal)); // the first row
        Assert.DoesNotContain(latest, first, StringComparison.Ordinal);
        Assert.Contains(latest, second, StringComparison.Ordinal);
        Assert.Contains("Page 2 of 2", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_portal_and_the_api_list_the_inbox_in_one_order_and_call_the_same_clocks_at_risk_and_overdue()
    {
        await using var broker = new BrokerFactory();
        var ids = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()));
        }

        await ClockAsync(broker, ids[0], TimeSpan.FromDays(-10), TimeSpan.FromHours(1)); // 99 % gone: at risk
        await ClockAsync(broker, ids[1], TimeSpan.Zero, TimeSpan.FromHours(8)); // an eight-hour clock just started: on time
        await ClockAsync(broker, ids[2], TimeSpan.FromDays(-11), TimeSpan.FromDays(-1)); // overdue
        await broker.ActAsync("northwind-legal", ids[3], "clarifications", new { text = "Which of the two accounts?" }); // paused

        var api = await broker.GetAsync("northwind-legal", "/api/v1/provider/inbox");
        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var portal = await legal.Client.GetStringAsync("/portal/provider");

        var items = api.GetProperty("items").EnumerateArray().ToList();
        var references = new List<string>();
        foreach (var item in items)
        {
            references.Add(await broker.ReferenceAsync("met-case-system", item.GetProperty("id").GetGuid()));
        }

        Assert.Equal([ids[2], ids[0], ids[1], ids[3]], items.Select(i => i.GetProperty("id").GetGuid()));
        Assert.All(references, r => Assert.Contains($">{r}<", portal, StringComparison.Ordinal));
        Assert.Equal(references, OrderIn(portal, references));
        Assert.Equal([false, true, false, false], items.Select(i => i.GetProperty("atRisk").GetBoolean()));
        Assert.Equal([true, false, false, false], items.Select(i => i.GetProperty("overdue").GetBoolean()));
        Assert.Contains("<p class=\"stat\">1</p><p class=\"stat-label\">at risk", portal, StringComparison.Ordinal);
        Assert.Contains("<p class=\"stat\">1</p><p class=\"stat-label\">overdue", portal, StringComparison.Ordinal);
        Assert.Equal(["risk-overdue", "risk-at-risk", "risk-on-time", "risk-none"], RowClasses(portal));
    }

    /// <summary>Moves the response clock of <paramref name="id"/> to have started and to fall due so long from now.</summary>
    private static Task<int> ClockAsync(BrokerFactory broker, Guid id, TimeSpan started, TimeSpan due)
    {
        var now = broker.Clock.GetUtcNow();
        return broker.WithDbAsync(db => db.Deadlines.Where(d => d.RequestId == id && d.Kind == EvidenceBroker.Server.Sla.DeadlineKind.Response)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.StartsAt, now + started).SetProperty(d => d.DueAt, now + due)));
    }

    private static List<string> OrderIn(string page, List<string> references) =>
        [.. references.OrderBy(r => page.IndexOf($">{r}<", StringComparison.Ordinal))];

    private static List<string> RowClasses(string page) =>
        [.. System.Text.RegularExpressions.Regex.Matches(page, "<tr class=\"(risk-[a-z-]+)\"").Select(m => m.Groups[1].Value)];
}
