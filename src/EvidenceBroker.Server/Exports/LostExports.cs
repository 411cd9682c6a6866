using EvidenceBroker.Server.Jobs;
using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// Queues again the exports nobody is building: unfinished, unclaimed (or their claim ran out) and asked for more than
/// <see cref="After"/> ago. Their job may never have reached Hangfire's storage (a node stopped between recording the
/// export and queueing it), or Hangfire may have given up retrying while the report still had attempts left (a failure
/// before the claim). Run every few minutes on the cluster and once at each start. A job queued twice is harmless: only
/// one attempt can hold the claim, and one finding the report built stops (<see cref="ExportJobRunner"/>).
/// </summary>
public sealed class LostExports(BrokerDbContext db, IBackgroundJobClient jobs, TimeProvider clock, ILogger<LostExports> logger)
{
    public const string RecurringJobId = "export-requeue";

    /// <summary>Longer than any queue of reports should be.</summary>
    public static readonly TimeSpan After = TimeSpan.FromMinutes(10);

    public async Task<int> RequeueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var askedBefore = now - After;
        var lost = await db.ExportJobs.AsNoTracking()
            .Where(j => (j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running)
                        && (j.ClaimedUntil == null || j.ClaimedUntil < now) && j.CreatedAt < askedBefore)
            .Select(j => j.Id).ToListAsync(ct);
        foreach (var id in lost)
        {
            ExportJobRunner.Enqueue(jobs, id);
        }

        if (lost.Count > 0)
        {
            logger.LogInformation("Queued again {Count} export(s) that nobody was building", lost.Count);
        }

        return lost.Count;
    }

    /// <summary>Every five minutes, once per cluster (<see cref="RecurringSchedules"/>).</summary>
    public static void Schedule(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        RecurringSchedules.AddOrKeep(
            services.GetRequiredService<ILoggerFactory>().CreateLogger<LostExports>(), services.GetRequiredService<JobStorage>(), RecurringJobId,
            () => services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<LostExports>(
                RecurringJobId, lost => lost.RequeueAsync(CancellationToken.None), "*/5 * * * *"));
    }
}
