using System.Net;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// The request list's outcome filter selects by the route a request took, as the oversight report's does: a request a
/// reviewer sends to the provider is listed as direct, as a confirmed emergency is, though its decision still says
/// human review.
/// </summary>
public sealed class OutcomeFilterTests
{
    private const string Officer = "met-case-system";
    private const string Reviewer = "broker-review-desk";

    [Fact]
    public async Task A_request_is_listed_under_the_route_a_person_gave_it_and_its_decision_is_left_as_stored()
    {
        await using var broker = new BrokerFactory();
        var direct = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var approved = await FileForReviewAsync(broker);
        var toMlat = await FileForReviewAsync(broker);
        var rejected = await FileForReviewAsync(broker);
        var waiting = await FileForReviewAsync(broker);
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Reviewer, approved, "review", new { decision = "direct", text = "No source is sought." })).Status);
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Reviewer, toMlat, "review", new { decision = "mlat", text = "Let the central authorities weigh it." })).Status);
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Reviewer, rejected, "review", new { decision = "rejected", text = "A journalist's sources." })).Status);

        Assert.Equal(Sorted(approved, direct), await ListedAsync(broker, "direct"));
        Assert.Equal([toMlat], await ListedAsync(broker, "mlat"));
        Assert.Equal([rejected], await ListedAsync(broker, "rejected"));
        Assert.Equal([waiting], await ListedAsync(broker, "human-review"));
        Assert.Equal("human-review", (await broker.GetAsync(Officer, $"/api/v1/requests/{approved}")).GetProperty("outcome").GetString());
    }

    private static Guid[] Sorted(params Guid[] ids) => [.. ids.Order()];

    private static Task<Guid> FileForReviewAsync(BrokerFactory broker) =>
        broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));

    private static async Task<Guid[]> ListedAsync(BrokerFactory broker, string outcome) =>
        [.. (await broker.GetAsync(Officer, $"/api/v1/requests?outcome={outcome}&pageSize=100")).GetProperty("items").EnumerateArray()
            .Select(r => r.GetProperty("id").GetGuid()).Order()];
}
