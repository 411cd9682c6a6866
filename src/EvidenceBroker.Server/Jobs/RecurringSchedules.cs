using Hangfire;
using Hangfire.Storage;

namespace EvidenceBroker.Server.Jobs;

/// <summary>
/// Registers recurring jobs when a node starts. Registering takes the job's cluster-wide lock. Should another node hold
/// it past the timeout (one killed while running or registering the job leaves its lock until the storage expires it),
/// the node starts without registering it again if the job is registered already, rather than failing to start; a
/// changed schedule then applies at the next start. If the job is not registered at all (the node that held the lock
/// died registering it on a new cluster), the node refuses to start: running without the SLA sweep, the retention
/// sweep or the audit checkpoints would fail silently, and a restart once the lock has expired registers it.
/// </summary>
internal static class RecurringSchedules
{
    public static void AddOrKeep(ILogger logger, JobStorage storage, string jobId, Action register)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(register);
        try
        {
            register();
        }
        catch (DistributedLockTimeoutException e)
        {
            using (var connection = storage.GetConnection())
            {
                if (connection.GetRecurringJobs([jobId]).All(job => job.Removed))
                {
                    throw new InvalidOperationException(
                        $"The recurring job {jobId} is not registered, and another node holds its lock. Start this node again once the lock has expired.", e);
                }
            }

            logger.LogWarning(e, "The schedule of {JobId} was left as registered: another node holds its lock. A changed schedule applies at the next start.", jobId);
        }
    }
}
