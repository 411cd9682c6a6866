using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>An officer reaches every request of the agency, page by page.</summary>
public sealed class OfficerListTests
{
    [Fact]
    public async Task Older_requests_are_one_page_on_and_none_is_out_of_reach()
    {
        await using var broker = new BrokerFactory();
        var references = new List<string>();
        for (var i = 0; i < 52; i++)
        {
            broker.Clock.Advance(TimeSpan.FromSeconds(1)); // ids, and so the order of filing, follow the clock
            var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
            references.Add(await broker.ReferenceAsync("met-case-system", id));
        }

        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var first = await officer.Client.GetStringAsync("/portal/officer");
        var second = await officer.Client.GetStringAsync("/portal/officer?p=2");

        Assert.All(references[2..], r => Assert.Contains(r, first, StringComparison.Ordinal));
        Assert.All(references[..2], r => Assert.DoesNotContain(r, first, StringComparison.Ordinal));
        Assert.Contains("data-testid=\"older\"", first, StringComparison.Ordinal);
        Assert.All(references[..2], r => Assert.Contains(r, second, StringComparison.Ordinal));
        Assert.DoesNotContain("data-testid=\"older\"", second, StringComparison.Ordinal);
    }
}
