using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

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
        var id = await broker.QueueReportAsync();
        await RefuseCompletionAsync(broker, refuse: true);

        await Assert.ThrowsAnyAsync<DbUpdateException>(() => broker.RunExportAsync(id));
        var afterFailure = await broker.ExportJobAsync(id);
        await RefuseCompletionAsync(broker, refuse: false);
        await broker.RunExportAsync(id);
        var afterRetry = await broker.ExportJobAsync(id);

        Assert.Equal(ExportStatus.Running, afterFailure.Status);
        Assert.Equal("failed; trying again", afterFailure.Stage);
        Assert.Equal(ExportStatus.Completed, afterRetry.Status);
        Assert.Equal(2, afterRetry.Attempts);
    }

    [Fact]
    public async Task A_report_that_fails_every_attempt_is_marked_failed_after_the_last()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.QueueReportAsync();
        await RefuseCompletionAsync(broker, refuse: true);

        for (var attempt = 1; attempt <= ExportJobRunner.Retries; attempt++)
        {
            await Assert.ThrowsAnyAsync<DbUpdateException>(() => broker.RunExportAsync(id));
        }

        await broker.RunExportAsync(id); // the last attempt records the failure instead of throwing
        await broker.RunExportAsync(id); // and a stray delivery after it changes nothing
        var job = await broker.ExportJobAsync(id);

        Assert.Equal(ExportStatus.Failed, job.Status);
        Assert.Equal(ExportJobRunner.Retries + 1, job.Attempts);
        Assert.NotNull(job.Error);
    }

    private static Task<int> RefuseCompletionAsync(BrokerFactory broker, bool refuse) =>
        broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(refuse
            ? "CREATE TRIGGER refuse_completion BEFORE UPDATE ON export_jobs WHEN NEW.\"Status\" = 'Completed' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;"
            : "DROP TRIGGER refuse_completion;"));
}
