using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Routing;

/// <summary>
/// A request's decision made again after filing: when a supervisor confirms an emergency (R11), and when a
/// preservation order is to become a production order. Once the action is taken, it is the decision in force: it
/// replaces the stored one, which the action's audit entry keeps whole (input and explanation), so the decision made
/// at filing stays readable and its hash still matches the one the filing's entry recorded.
/// </summary>
public sealed record RevisedDecision(Decision Decision, string InputJson, string DecisionJson)
{
    /// <summary>
    /// Makes this the request's decision in force; call inside the action's write. The stored decision keeps the time
    /// of the filing's decision, which the reports measure from; the action's audit entry has the time of this one.
    /// </summary>
    public async Task ReplaceAsync(BrokerDbContext db, EvidenceRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        request.ReviseDecision(Decision.Outcome, Decision.Channel, Decision.PolicyVersion);
        await db.Decisions.Where(d => d.RequestId == request.Id).ExecuteUpdateAsync(set => set
            .SetProperty(d => d.Outcome, Decision.Outcome)
            .SetProperty(d => d.Channel, Decision.Channel)
            .SetProperty(d => d.PolicyVersion, Decision.PolicyVersion)
            .SetProperty(d => d.EvaluatedOn, Decision.EvaluatedOn)
            .SetProperty(d => d.InputJson, InputJson)
            .SetProperty(d => d.DecisionJson, DecisionJson), ct);
    }

    /// <summary>What the action's audit entry records: this decision, and the one it replaced, whole.</summary>
    public object AuditRecordReplacing(StoredDecision superseded)
    {
        ArgumentNullException.ThrowIfNull(superseded);
        return new
        {
            outcome = Decision.Outcome,
            channel = Decision.Channel,
            Decision.PolicyVersion,
            deciding = Decision.Deciding,
            decisionHash = AuditHashing.Sha256Hex(DecisionJson),
            superseded = new
            {
                superseded.Outcome,
                superseded.PolicyVersion,
                superseded.DecidedAt,
                decisionHash = AuditHashing.Sha256Hex(superseded.DecisionJson),
                input = superseded.InputJson,
                explanation = superseded.DecisionJson,
            },
        };
    }
}
