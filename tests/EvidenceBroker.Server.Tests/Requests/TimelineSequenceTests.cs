using System.Text.Json;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// A request's timeline gives the broker-wide audit sequence only to those who verify the chain: between two of its
/// own events it would tell an agency or a provider how many entries the broker recorded for other tenants.
/// </summary>
public sealed class TimelineSequenceTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private static List<JsonElement> Events(JsonElement timeline) => [.. timeline.GetProperty("events").EnumerateArray()];

    [Fact]
    public async Task The_officer_and_the_provider_get_the_events_in_order_without_the_broker_wide_sequence_and_oversight_gets_it()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        // Another agency's filing between two of this request's events: its entries fall between theirs in the chain.
        await broker.FileAsync("bka-case-system", SampleRequests.MetToNorthwindSubscriber().With("requestingCountry", "DE").With("agencyId", "de-bka"));
        await broker.ActAsync("northwind-legal", id, "acknowledge");
        var url = $"/api/v1/requests/{id}/timeline";

        var officer = Events(await broker.GetAsync("met-case-system", url));
        var provider = Events(await broker.GetAsync("northwind-legal", url));
        var oversight = Events(await broker.GetAsync("ipco-oversight", url));

        Assert.All(officer.Concat(provider), e => Assert.False(e.TryGetProperty("sequence", out _), e.GetRawText()));
        var sequences = oversight.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.True(sequences[^1] - sequences[^2] > 1, "the other agency's filing lies between the last two events");
        Assert.Equal(oversight.Select(e => e.GetProperty("hash").GetString()), officer.Select(e => e.GetProperty("hash").GetString()));
        Assert.Equal("request.acknowledge", officer[^1].GetProperty("action").GetString());
        Assert.Equal("request.acknowledge", provider[^1].GetProperty("action").GetString());
    }
}
