using System.Net;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>
/// A report whose building fails is thrown back to Hangfire, which runs it again; only the last of its attempts marks
/// it failed. The failure here is the database refusing the finished report, as a lost connection would.
/// </summary>
public sealed class ExportRetryTests
{
    [Fact]
    public async Task A_report_that_fails_once_is_tried_again_and_then_built()
    {
        await using var broker = new BrokerFactory();
        var id = await QueueReportAsync(broker);
        await RefuseCompletionAsync(broker, refuse: true);

        await Assert.ThrowsAnyAsync<DbUpdateException>(() => RunAsync(broker, id));
        var afterFailure = await JobAsync(broker, id);
        await RefuseCompletionAsync(broker, refuse: false);
        await RunAsync(broker, id);
        var afterRetry = await JobAsync(broker, id);

        Assert.Equal(ExportStatus.Running, afterFailure.Status);
        Assert.Equal("failed; trying again", afterFailure.Stage);
        Assert.Equal(ExportStatus.Completed, afterRetry.Status);
        Assert.Equal(2, afterRetry.Attempts);
    }

    [Fact]
    public async Task A_report_that_fails_every_attempt_is_marked_failed_after_the_last()
    {
        await using var broker = new BrokerFactory();
        var id = await QueueReportAsync(broker);
        await RefuseCompletionAsync(broker, refuse: true);

        for (var attempt = 1; attempt <= ExportJobRunner.Retries; attempt++)
        {
            await Assert.ThrowsAnyAsync<DbUpdateException>(() => RunAsync(broker, id));
        }

        await RunAsync(broker, id); // the last attempt records the failure instead of throwing
        await RunAsync(broker, id); // and a stray delivery after it changes nothing
        var job = await JobAsync(broker, id);

        Assert.Equal(ExportStatus.Failed, job.Status);
        Assert.Equal(ExportJobRunner.Retries + 1, job.Attempts);
        Assert.NotNull(job.Error);
    }

    private static async Task<Guid> QueueReportAsync(BrokerFactory broker)
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        using var queued = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        return (await queued.JsonAsync()).GetProperty("id").GetGuid();
    }

    private static Task RunAsync(BrokerFactory broker, Guid id) =>
        broker.Services.GetRequiredService<ExportJobRunner>().RunAsync(id, CancellationToken.None);

    private static Task<ExportJob> JobAsync(BrokerFactory broker, Guid id) =>
        broker.WithDbAsync(db => db.ExportJobs.AsNoTracking().SingleAsync(j => j.Id == id));

    private static Task<int> RefuseCompletionAsync(BrokerFactory broker, bool refuse) =>
        broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(refuse
            ? "CREATE TRIGGER refuse_completion BEFORE UPDATE ON export_jobs WHEN NEW.\"Status\" = 'Completed' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;"
            : "DROP TRIGGER refuse_completion;"));
}
