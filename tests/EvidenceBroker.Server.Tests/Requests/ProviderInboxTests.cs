using System.Net;
using System.Text.Json;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// The provider inbox API lists open requests one page at a time, nearest deadline first, ordered and counted by the
/// database on both providers.
/// </summary>
public sealed class ProviderInboxTests
{
    private const string Officer = "met-case-system";
    private const string Provider = "northwind-legal";

    [Fact]
    public async Task Pages_of_open_requests_come_nearest_deadline_first_on_sqlite()
    {
        await using var broker = new BrokerFactory();
        await PagesNearestDeadlineFirstAsync(broker);
    }

    [PostgresFact]
    public async Task Pages_of_open_requests_come_nearest_deadline_first_on_postgres()
    {
        await using var broker = new PostgresBrokerFactory();
        await PagesNearestDeadlineFirstAsync(broker);
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=1000001", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    public async Task A_page_out_of_bounds_is_refused_naming_it(string query, string field)
    {
        await using var broker = new BrokerFactory();
        using var provider = await broker.ClientAsync(Provider);

        using var response = await provider.GetAsync($"/api/v1/provider/inbox?{query}");
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    private static async Task PagesNearestDeadlineFirstAsync(BrokerFactory broker)
    {
        var first = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var second = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var third = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var refused = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var refusal = await broker.ActAsync(Provider, refused, "refusal", new { text = "Not held.", grounds = new[] { "data-not-held" } });
        Assert.Equal(HttpStatusCode.OK, refusal.Status);
        // Filed in one order, due in the reverse one: the third is the most urgent, the first the least.
        await DueInAsync(broker, third, TimeSpan.FromDays(1));
        await DueInAsync(broker, second, TimeSpan.FromDays(2));
        await DueInAsync(broker, first, TimeSpan.FromDays(3));

        var firstPage = await broker.GetAsync(Provider, "/api/v1/provider/inbox?pageSize=2");
        var secondPage = await broker.GetAsync(Provider, "/api/v1/provider/inbox?page=2&pageSize=2");
        var whole = await broker.GetAsync(Provider, "/api/v1/provider/inbox");

        Assert.Equal([third, second], Ids(firstPage));
        Assert.Equal([first], Ids(secondPage));
        Assert.Equal([third, second, first], Ids(whole));
        Assert.Equal(3, firstPage.GetProperty("total").GetInt32());
        Assert.Equal(2, firstPage.GetProperty("pageSize").GetInt32());
        Assert.Equal(50, whole.GetProperty("pageSize").GetInt32());
        Assert.Equal(
            broker.Clock.GetUtcNow() + TimeSpan.FromDays(1),
            firstPage.GetProperty("items")[0].GetProperty("dueAt").GetDateTimeOffset());
    }

    private static Task<int> DueInAsync(BrokerFactory broker, Guid id, TimeSpan left)
    {
        var due = broker.Clock.GetUtcNow() + left;
        return broker.WithDbAsync(db => db.Deadlines
            .Where(d => d.RequestId == id && d.Kind == DeadlineKind.Response)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.DueAt, due)));
    }

    private static List<Guid> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
}
