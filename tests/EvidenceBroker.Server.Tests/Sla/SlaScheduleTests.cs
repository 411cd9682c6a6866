using EvidenceBroker.Server.Sla;
using Hangfire;
using Hangfire.Common;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EvidenceBroker.Server.Tests.Sla;

/// <summary>A node restarted after another died holding the sweep's lock must still start (issue 8's kill -9 test).</summary>
public sealed class SlaScheduleTests
{
    [Fact]
    public void A_node_starts_when_another_node_holds_the_sweeps_lock()
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddOptions()
            .AddSingleton<IRecurringJobManager, LockedRecurringJobs>()
            .BuildServiceProvider();

        services.ScheduleSlaSweep(); // would throw, and fail the node's start, before
    }

    private sealed class LockedRecurringJobs : IRecurringJobManager
    {
        public void AddOrUpdate(string recurringJobId, Job job, string cronExpression, RecurringJobOptions options) =>
            throw new DistributedLockTimeoutException("recurring-job:" + recurringJobId);

        public void Trigger(string recurringJobId) => throw new NotSupportedException();

        public void RemoveIfExists(string recurringJobId) => throw new NotSupportedException();
    }
}
