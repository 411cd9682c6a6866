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
}
