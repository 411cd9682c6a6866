using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// The outcome filter of the request lists, by the route a request took, as the oversight report's is: where a person
/// decided the route (a reviewer approving the direct channel, sending to MLAT or rejecting; a supervisor refusing an
/// emergency), their decision; otherwise the engine's decision in force (a confirmed emergency's is the one made again).
/// The engine's decision is left as it was stored: a reviewer's decision is the note recorded beside it.
/// </summary>
public static class RequestRoutes
{
    /// <summary>What the <c>outcome</c> filter of the request lists matches, for the OpenAPI document.</summary>
    public const string OutcomeFilter =
        "The route the request took: a reviewer's decision (direct, mlat, rejected) or a supervisor's refusal of an " +
        "emergency (rejected) where a person decided it, otherwise the broker's decision in force. human-review matches " +
        "only requests no person has routed yet.";

    private static readonly string RefusedEmergency = Wire.Name(RequestTrigger.RefuseEmergency);

    public static IQueryable<EvidenceRequest> WhoseRouteWas(this IQueryable<EvidenceRequest> requests, BrokerDbContext db, Outcome outcome)
    {
        ArgumentNullException.ThrowIfNull(db);
        string? review = outcome switch
        {
            Outcome.Direct => Wire.Name(RequestTrigger.ApproveDirect),
            Outcome.Mlat => Wire.Name(RequestTrigger.SendToMlat),
            Outcome.Rejected => Wire.Name(RequestTrigger.Reject),
            _ => null,
        };
        var refusedEmergency = outcome == Outcome.Rejected ? RefusedEmergency : null;
        return requests.Where(r =>
            db.RequestNotes.Any(n => n.RequestId == r.Id
                && ((n.Kind == RequestNote.ReviewKind && n.Grounds == review) || n.Kind == refusedEmergency))
            || (r.Outcome == outcome
                && !db.RequestNotes.Any(n => n.RequestId == r.Id && (n.Kind == RequestNote.ReviewKind || n.Kind == RefusedEmergency))));
    }
}
