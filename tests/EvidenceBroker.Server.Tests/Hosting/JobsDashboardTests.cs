using System.Net;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Hosting;

/// <summary>The Hangfire dashboard is for administrators only.</summary>
public sealed class JobsDashboardTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("met-case-system", false)]
    [InlineData("ipco-oversight", false)]
    [InlineData("broker-review-desk", false)]
    [InlineData("broker-admin", true)]
    public async Task Only_administrators_open_the_dashboard(string? client, bool opens)
    {
        using var http = await broker.ClientAsync(client);

        using var response = await http.GetAsync("/hangfire");

        Assert.Equal(opens, response.StatusCode == HttpStatusCode.OK);
        if (!opens)
        {
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{client}: {(int)response.StatusCode}");
        }
    }
}
