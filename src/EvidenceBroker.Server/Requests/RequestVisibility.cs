using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// The tenant boundary, applied to every query of requests: an agency sees its own, a provider only what has been
/// released to it, oversight everything, the review desk what was sent to it, anyone else (administrators included)
/// nothing. Callers get 404 for the rest, never 403, so that a request's existence does not leak across tenants.
/// </summary>
public static class RequestVisibility
{
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
                requests.Where(r => r.ProviderId == id && r.ReleasedToProviderAt != null),
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
