using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>
/// A node that stops cancels the build it is running; Hangfire delivers the job again, on this node or another. The
/// stopped attempt must leave the report claimable, and must not count: a stop is not a failure of the report, and
/// rolling restarts must not use up its attempts.
/// </summary>
public sealed class ExportCancellationTests
{
    [Fact]
    public Task A_build_cancelled_by_a_stopping_node_is_released_uncounted_and_the_next_delivery_builds_it() =>
        CancelledThenBuiltAsync(new BrokerFactory());

    [PostgresFact]
    public Task A_build_cancelled_by_a_stopping_node_on_PostgreSQL_is_released_uncounted_and_the_next_delivery_builds_it() =>
        CancelledThenBuiltAsync(new PostgresBrokerFactory());

    private static async Task CancelledThenBuiltAsync(BrokerFactory fresh)
    {
        using var stopping = new CancellationTokenSource();
        await using var broker = fresh;

        // The node stops while the report is being read: after "reading requests" was recorded, as the next stage goes in.
        using var hook = CommandHook.Before(
            command => CommandHook.On(broker, command) && command.Parameters.Cast<System.Data.Common.DbParameter>()
                .Any(p => Equals(p.Value, "reading deadlines and answers")),
            _ => stopping.Cancel());
        var id = await broker.QueueReportAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => broker.Services.GetRequiredService<ExportJobRunner>().RunAsync(id, stopping.Token));
        var stopped = await broker.ExportJobAsync(id);
        await broker.RunExportAsync(id);
        var built = await broker.ExportJobAsync(id);

        Assert.True(hook.Fired);
        Assert.Equal("reading requests", stopped.Stage); // it was stopped mid-build, not before it began
        Assert.Null(stopped.ClaimedBy);
        Assert.Null(stopped.ClaimedUntil);
        Assert.Equal(0, stopped.Attempts);
        Assert.Equal(ExportStatus.Completed, built.Status);
        Assert.Equal(1, built.Attempts);
        Assert.NotNull(built.Content);
    }
}
