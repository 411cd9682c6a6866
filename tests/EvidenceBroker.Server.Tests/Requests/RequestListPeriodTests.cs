using System.Net;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>The request list's filing period is refused backwards, as the reports' periods are, rather than listing nothing.</summary>
public sealed class RequestListPeriodTests
{
    [Fact]
    public async Task A_filing_period_that_ends_before_it_starts_is_a_400_naming_filedTo()
    {
        await using var broker = new BrokerFactory();
        await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var officer = await broker.ClientAsync("met-case-system");

        using var backwards = await officer.GetAsync("/api/v1/requests?filedFrom=2026-12-01&filedTo=2026-01-01");
        var problem = await backwards.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Equal(["Must not be before 'filedFrom'."], problem.GetProperty("errors").GetProperty("filedTo").EnumerateArray().Select(e => e.GetString()));
    }
}
