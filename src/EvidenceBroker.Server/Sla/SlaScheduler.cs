using EvidenceBroker.Server.Persistence;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Sla;

/// <summary>
/// Keeps exactly one Hangfire job per watched deadline, at its next mark. The job id is stored on the deadline
/// so that a start (jobs rebuilt from the database) never schedules a deadline twice.
/// </summary>
public sealed class SlaScheduler(BrokerDbContext db, IBackgroundJobClient jobs, JobStorage storage, TimeProvider clock)
{
    public async Task ScheduleAsync(IEnumerable<Deadline> deadlines, CancellationToken ct)
    {
        var scheduled = deadlines.ToList();
        if (scheduled.Count == 0)
        {
            return;
        }

        // A write like any other: it queues with the other writers instead of contending for SQLite's lock.
        await using var transaction = await db.BeginWriteAsync(ct);
        foreach (var deadline in scheduled)
        {
            if (deadline.ScheduledJobId is { } previous)
            {
                jobs.Delete(previous);
            }

            string? jobId = null;
            if (deadline.NextCheckAt is { } at)
            {
                var delay = at - clock.GetUtcNow();
                var id = deadline.Id;
                jobId = jobs.Schedule<SlaMonitor>(m => m.CheckAsync(id, CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
            }

            deadline.ScheduledJobId = jobId;
            await db.Deadlines.Where(d => d.Id == deadline.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.ScheduledJobId, jobId), ct);
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>At start: schedule every watched deadline whose job is not already pending in the job storage.</summary>
    public async Task<int> RebuildAsync(CancellationToken ct)
    {
        var watched = await db.Deadlines.AsNoTracking().Where(d => d.NextCheckAt != null).ToListAsync(ct);
        var missing = watched.Where(d => d.ScheduledJobId is null || !IsPending(d.ScheduledJobId)).ToList();
        foreach (var deadline in missing)
        {
            deadline.ScheduledJobId = null; // the stored id names a job this storage no longer has
        }

        await ScheduleAsync(missing, ct);
        return missing.Count;
    }

    private bool IsPending(string jobId)
    {
        using var connection = storage.GetConnection();
        var state = connection.GetStateData(jobId)?.Name;
        return state == ScheduledState.StateName || state == EnqueuedState.StateName || state == ProcessingState.StateName;
    }
}
