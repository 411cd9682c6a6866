using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The calendar's last day in the portal's forms and searches: a field error or no upper bound, never a 500.</summary>
public sealed class WholeDaysTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public void A_request_form_whose_data_runs_to_the_calendar_s_last_day_names_the_field()
    {
        var form = new RequestForm { TimeFrom = "2026-01-01", TimeTo = "9999-12-31" };
        var errors = new Dictionary<string, string[]>();

        form.ToContent("GB", "gb-met", errors);

        Assert.Contains("timeRange.to", errors.Keys);
    }

    [Fact]
    public async Task A_search_to_the_calendar_s_last_day_has_no_upper_bound()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var oversight = Callers.Oversight;
        await using var scope = broker.Services.CreateAsyncScope();
        var portal = new PortalRequests(scope.ServiceProvider.GetRequiredService<BrokerDbContext>());

        var rows = await portal.ListAsync(oversight, new PortalSearch(From: new DateOnly(2026, 1, 1), To: DateOnly.MaxValue), CancellationToken.None);

        Assert.Contains(rows, r => r.Id == id);
    }
}
