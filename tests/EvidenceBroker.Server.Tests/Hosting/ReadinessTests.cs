using System.Net;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Hosting;

/// <summary>
/// /health/ready answers for the database and for the job storage, which reminders, webhooks and checkpoints need: a
/// node without its job storage still files requests, so it is reported degraded, not taken out.
/// </summary>
public sealed class ReadinessTests
{
    [PostgresFact]
    public async Task A_node_whose_job_storage_is_gone_is_reported_degraded()
    {
        await using var broker = new PostgresBrokerFactory();
        using var client = broker.CreateClient();

        using var ready = await client.GetAsync("/health/ready");
        await broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DROP SCHEMA hangfire CASCADE"));
        using var withoutJobs = await client.GetAsync("/health/ready");
        using var live = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, withoutJobs.StatusCode);
        Assert.Equal("Degraded", await withoutJobs.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
