using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>A supervisor reaches every emergency of the agency waiting for confirmation, page by page.</summary>
public sealed class SupervisorListTests
{
    [Fact]
    public async Task Emergencies_waiting_longest_come_first_and_the_rest_are_one_page_on_with_every_one_counted()
    {
        await using var broker = new BrokerFactory();
        var references = new List<string>();
        for (var i = 0; i < 52; i++)
        {
            broker.Clock.Advance(TimeSpan.FromSeconds(1)); // ids, and so the order of filing, follow the clock
            var id = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
            references.Add(await broker.ReferenceAsync("met-case-system", id));
        }

        using var supervisor = await PortalBrowser.SignedInAsync(broker, "supervisor@met.example");
        var first = await supervisor.Client.GetStringAsync("/portal/supervisor");
        var second = await supervisor.Client.GetStringAsync("/portal/supervisor?p=2");

        Assert.Contains("52 emergency requests wait", first, StringComparison.Ordinal);
        Assert.All(references[..50], r => Assert.Contains(r, first, StringComparison.Ordinal));
        Assert.All(references[50..], r => Assert.DoesNotContain(r, first, StringComparison.Ordinal));
        Assert.Contains("data-testid=\"later\"", first, StringComparison.Ordinal);
        Assert.All(references[50..], r => Assert.Contains(r, second, StringComparison.Ordinal));
        Assert.All(references[..50], r => Assert.DoesNotContain(r, second, StringComparison.Ordinal));
        Assert.DoesNotContain("data-testid=\"later\"", second, StringComparison.Ordinal);
    }
}
