using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The provider's inbox lists every open request, however many finished ones came after it.</summary>
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
    public async Task Past_two_thousand_open_requests_the_inbox_keeps_the_oldest_and_says_there_are_more()
    {
        await using var broker = new BrokerFactory();
        var oldest = await broker.ReferenceAsync("met-case-system", await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()));
        broker.Clock.Advance(TimeSpan.FromSeconds(1));
        using var officer = await broker.ClientAsync("met-case-system");
        for (var round = 0; round < 40; round++)
        {
            var filings = Enumerable.Range(0, 50).Select(_ => officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber()));
            foreach (var filed in await Task.WhenAll(filings))
            {
                using (filed)
                {
                    filed.EnsureSuccessStatusCode();
                }
            }
        }

        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var inbox = await legal.Client.GetStringAsync("/portal/provider");

        Assert.Contains(oldest, inbox, StringComparison.Ordinal); // the likeliest to be overdue
        Assert.Contains("over 2000", inbox, StringComparison.Ordinal);
        Assert.Contains("(the first 2000: the API&#x27;s inbox lists them all, a page at a time)", inbox, StringComparison.Ordinal);
    }
}
