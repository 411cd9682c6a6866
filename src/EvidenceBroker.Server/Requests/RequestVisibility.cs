using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// The tenant boundary, applied to every query of requests: an agency sees its own, a provider only what has been
/// released to it, oversight everything, the review desk what was sent to it, anyone else (administrators included)
/// nothing. Callers get 404 for the rest, never 403, so that a request's existence does not leak across tenants.
/// </summary>
public static class RequestVisibility
{
    /// <summary>
    /// Whether a request has reached its provider: released to it, by the engine's decision or by a supervisor's or
    /// reviewer's action. Before that (awaiting a supervisor or a review, rejected, withdrawn, queued for MLAT) the
    /// provider has not seen it. What the provider sees, and what a transparency report counts as received.
    /// </summary>
    public static readonly Expression<Func<EvidenceRequest, bool>> ReleasedToProvider = r => r.ReleasedToProviderAt != null;

    public static IQueryable<EvidenceRequest> RequestsVisibleTo(this BrokerDbContext db, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var requests = db.Requests;
        var id = caller.Tenant.Id;
        return caller.Tenant.Kind switch
        {
            TenantKind.Agency when caller.Can(BrokerScopes.RequestsRead) => requests.Where(r => r.AgencyId == id),
            TenantKind.Provider when caller.Can(BrokerScopes.RequestsRead) || caller.Can(BrokerScopes.ProviderRespond) =>
                requests.Where(r => r.ProviderId == id).Where(ReleasedToProvider),
            TenantKind.Oversight when caller.Can(BrokerScopes.OversightRead) => requests,
            // A client holding the admin scope as well is an administrator, and reads no request.
            TenantKind.Administration when caller.Can(BrokerScopes.RequestsReview) && !caller.Can(BrokerScopes.Admin) => requests.Where(r =>
                r.State == RequestState.AwaitingHumanReview
                || db.RequestNotes.Any(n => n.RequestId == r.Id && n.Kind == RequestNote.ReviewKind)),
            _ => requests.Where(_ => false),
        };
    }

    /// <summary>Whether <paramref name="caller"/> sees request <paramref name="id"/>: the answer is 404 when not.</summary>
    public static Task<bool> SeesRequestAsync(this BrokerDbContext db, Caller caller, Guid id, CancellationToken ct) =>
        db.RequestsVisibleTo(caller).AnyAsync(r => r.Id == id, ct);
}
