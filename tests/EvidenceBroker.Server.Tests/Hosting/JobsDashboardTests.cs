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

    [Fact]
    public async Task The_dashboard_offers_no_command_that_changes_a_job()
    {
        using var admin = await broker.ClientAsync("broker-admin");

        var recurring = await (await admin.GetAsync("/hangfire/recurring")).Content.ReadAsStringAsync();
        using var remove = await admin.PostAsync("/hangfire/recurring/remove", new FormUrlEncodedContent([new("jobs[]", "audit-checkpoint")]));

        Assert.Contains("audit-checkpoint", recurring, StringComparison.Ordinal);
        Assert.DoesNotContain("recurring/remove", recurring, StringComparison.Ordinal);
        Assert.DoesNotContain("recurring/trigger", recurring, StringComparison.Ordinal);
        Assert.False(remove.IsSuccessStatusCode, $"{(int)remove.StatusCode}");
    }
}
