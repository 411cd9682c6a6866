using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>
/// Hangfire delivers a job at least once, and a starting node queues long-waiting reports again: two deliveries of
/// one report, on two nodes, must not both build it. The first takes a claim; the others do nothing while it holds.
/// </summary>
public sealed class ExportClaimTests
{
    [Fact]
    public async Task A_delivery_while_another_attempt_holds_the_report_builds_nothing()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.QueueReportAsync();
        var otherAttempt = Guid.NewGuid();
        await ClaimAsync(broker, id, otherAttempt, broker.Clock.GetUtcNow() + TimeSpan.FromMinutes(5));

        var scheduledBefore = broker.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ScheduledCount();

        await broker.RunExportAsync(id);

        var job = await broker.ExportJobAsync(id);
        Assert.Equal(ExportStatus.Queued, job.Status);
        Assert.Equal(0, job.Attempts);
        Assert.Null(job.Content);
        Assert.Equal(otherAttempt, job.ClaimedBy);

        // That attempt may be on a node that died: the report is looked at again once its claim has run out.
        Assert.Equal(scheduledBefore + 1, broker.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ScheduledCount());
    }

    [Fact]
    public async Task A_claim_that_ran_out_is_taken_over_and_the_report_built()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.QueueReportAsync();
        await ClaimAsync(broker, id, Guid.NewGuid(), broker.Clock.GetUtcNow() - TimeSpan.FromSeconds(1));

        await broker.RunExportAsync(id);

        var job = await broker.ExportJobAsync(id);
        Assert.Equal(ExportStatus.Completed, job.Status);
        Assert.Equal(1, job.Attempts);
        Assert.NotNull(job.Content);
        Assert.Null(job.ClaimedBy);
        Assert.Null(job.ClaimedUntil);
    }

    [Fact]
    public Task Deliveries_at_once_build_the_report_once() => BuiltOnceAsync(new BrokerFactory());

    [PostgresFact]
    public Task Deliveries_at_once_on_PostgreSQL_build_the_report_once() => BuiltOnceAsync(new PostgresBrokerFactory());

    private static async Task BuiltOnceAsync(BrokerFactory fresh)
    {
        await using var broker = fresh;
        var id = await broker.QueueReportAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => broker.RunExportAsync(id))));

        var job = await broker.ExportJobAsync(id);
        Assert.Equal(ExportStatus.Completed, job.Status);
        Assert.Equal(1, job.Attempts);
    }

    private static Task<int> ClaimAsync(BrokerFactory broker, Guid id, Guid attempt, DateTimeOffset until) =>
        broker.WithDbAsync(db => db.ExportJobs.Where(j => j.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.ClaimedBy, attempt).SetProperty(j => j.ClaimedUntil, until)));
}
