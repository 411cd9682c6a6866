using System.Security.Cryptography;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Retention;
using EvidenceBroker.Server.Sla;
using Hangfire;
using Hangfire.Common;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Tests.Jobs;

/// <summary>
/// A node restarted after another died holding a recurring job's lock must still start (issue 8's kill -9 test): each
/// registration made at start would otherwise throw, and fail the node's start. It starts only if the job is registered,
/// though: without it the SLA sweep, the retention sweep or the audit checkpoints would never run.
/// </summary>
public sealed class RecurringScheduleTests
{
    [Fact]
    public void A_node_starts_when_another_node_holds_the_sla_sweeps_lock()
    {
        using var services = LockedJobs(SlaExtensions.SweepJobId);
        services.ScheduleSlaSweep();
    }

    [Fact]
    public void A_node_starts_when_another_node_holds_the_retention_sweeps_lock()
    {
        using var services = LockedJobs(RetentionSweep.RecurringJobId);
        services.ScheduleRetentionSweep();
    }

    [Fact]
    public async Task A_node_starts_when_another_node_holds_the_audit_checkpoints_lock()
    {
        using var services = LockedJobs(AuditCheckpoints.RecurringJobId);
        using var key = new AuditSigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), "test");
        var schedule = new AuditCheckpointSchedule(services.GetRequiredService<IRecurringJobManager>(), services.GetRequiredService<JobStorage>(),
            Options.Create(new AuditOptions()), key, NullLogger<AuditCheckpointSchedule>.Instance);

        await schedule.StartAsync(CancellationToken.None);
    }

    [Fact]
    public void A_node_refuses_to_start_when_the_locked_job_was_never_registered()
    {
        using var services = LockedJobs(registered: null);

        var error = Assert.Throws<InvalidOperationException>(services.ScheduleSlaSweep);

        Assert.Contains(SlaExtensions.SweepJobId, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Another node holds every job's lock; <paramref name="registered"/> is the one job it had registered.</summary>
    private static ServiceProvider LockedJobs(string? registered)
    {
        var storage = new Hangfire.InMemory.InMemoryStorage();
        if (registered is not null)
        {
            new RecurringJobManager(storage).AddOrUpdate(registered, Job.FromExpression(() => Console.WriteLine()), Cron.Daily());
        }

        return new ServiceCollection()
            .AddLogging()
            .AddOptions()
            .AddSingleton<JobStorage>(storage)
            .AddSingleton<IRecurringJobManager, LockedRecurringJobs>()
            .BuildServiceProvider();
    }

    private sealed class LockedRecurringJobs : IRecurringJobManager
    {
        public void AddOrUpdate(string recurringJobId, Job job, string cronExpression, RecurringJobOptions options) =>
            throw new DistributedLockTimeoutException("recurring-job:" + recurringJobId);

        public void Trigger(string recurringJobId) => throw new NotSupportedException();

        public void RemoveIfExists(string recurringJobId) => throw new NotSupportedException();
    }
}
