using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Sla;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Requests;

/// <summary>An open request with the due time of the clock that runs on it; built by member initialisation, which EF Core can order and project by.</summary>
public sealed class InboxEntry
{
    public required EvidenceRequest Request { get; init; }

    /// <summary>Null while the clock is paused for a question, or when none runs.</summary>
    public DateTimeOffset? Due { get; init; }
}

/// <summary>How many requests a provider has open, and how many of them are at risk or overdue now.</summary>
public readonly record struct InboxCounts(int Open, int AtRisk, int Overdue);

/// <summary>
/// A provider's inbox, one rule for the API and the portal: the requests released to it that are not finished, nearest
/// running deadline first (a clock paused for a question, or none, last), then by release and filing. Ordered, paged
/// and counted in the database, so that a provider with many thousands of open requests is answered as quickly as one
/// with ten.
/// </summary>
public static class ProviderInbox
{
    public static IQueryable<InboxEntry> Open(BrokerDbContext db, Caller caller)
    {
        var open = OpenRequests(db, caller);
        var running = RunningClocks(db, open);
        return open.Select(r => new InboxEntry
        {
            Request = r,
            Due = running.Where(d => d.RequestId == r.Id).OrderBy(d => d.DueAt).Select(d => (DateTimeOffset?)d.DueAt).FirstOrDefault(),
        });
    }

    public static IQueryable<InboxEntry> NearestDeadlineFirst(this IQueryable<InboxEntry> open) =>
        open.OrderBy(x => x.Due == null).ThenBy(x => x.Due).ThenBy(x => x.Request.ReleasedToProviderAt).ThenBy(x => x.Request.Id);

    /// <summary>
    /// The counts over every open request: their number in the database, and where each running clock stands from the
    /// clocks themselves (the at-risk mark depends on each clock's start and pauses, which the databases cannot reckon
    /// alike).
    /// </summary>
    public static async Task<InboxCounts> CountsAsync(BrokerDbContext db, Caller caller, DateTimeOffset now, CancellationToken ct)
    {
        var open = OpenRequests(db, caller);
        var total = await open.CountAsync(ct);
        var running = await RunningClocks(db, open).AsNoTracking().ToListAsync(ct);
        var standings = running.GroupBy(d => d.RequestId).Select(g => RunningClock.Of(g.MinBy(d => d.DueAt)).StandingAt(now)).ToList();
        return new InboxCounts(total, standings.Count(s => s == ClockStanding.AtRisk), standings.Count(s => s == ClockStanding.Overdue));
    }

    /// <summary>
    /// The clocks that run on <paramref name="open"/> requests now: the one <see cref="RunningClock.ProviderClockIn"/>
    /// names for each request's state, neither completed nor paused. Said here once as a query, which the database runs.
    /// </summary>
    private static IQueryable<Deadline> RunningClocks(BrokerDbContext db, IQueryable<EvidenceRequest> open) =>
        from d in db.Deadlines
        join r in open on d.RequestId equals r.Id
        where d.CompletedAt == null && d.PausedAt == null
              && d.Kind == (r.State == RequestState.PreservationActive || r.State == RequestState.PreservationExtended
                  ? DeadlineKind.Preservation
                  : DeadlineKind.Response)
        select d;

    private static IQueryable<EvidenceRequest> OpenRequests(BrokerDbContext db, Caller caller) =>
        db.RequestsVisibleTo(caller).AsNoTracking()
            .Where(r => !RequestLifecycle.Finished.Contains(r.State) && r.ReleasedToProviderAt != null);
}
