using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Mlat;

/// <summary>
/// The MLAT backlog: the drafts still open (drafted, or sent and not yet executed or refused, and their request not
/// withdrawn or closed). A request stays queued for MLAT after its MLAT ends, so its state does not say whether it is
/// in the backlog; its draft does. The API's backlog, the oversight report's and the portal's page all count this set.
/// </summary>
public static class MlatBacklog
{
    public static IQueryable<MlatDraft> Open(BrokerDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.MlatDrafts.Where(d => d.ClosedAt == null);
    }
}
