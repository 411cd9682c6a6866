using Hangfire.Storage;

namespace EvidenceBroker.Server.Jobs;

/// <summary>
/// Registers recurring jobs when a node starts. Registering takes the job's cluster-wide lock. Should another node hold
/// it past the timeout (one killed while running or registering the job leaves its lock until the storage expires it),
/// the job is registered already, since that node had it: the node starts without registering it again, rather than
/// failing to start. A changed schedule then applies at the next start.
/// </summary>
internal static class RecurringSchedules
{
    public static void AddOrKeep(ILogger logger, string jobId, Action register)
    {
        ArgumentNullException.ThrowIfNull(register);
        try
        {
            register();
        }
        catch (DistributedLockTimeoutException e)
        {
            logger.LogWarning(e, "The schedule of {JobId} was left as registered: another node holds its lock. A changed schedule applies at the next start.", jobId);
        }
    }
}
