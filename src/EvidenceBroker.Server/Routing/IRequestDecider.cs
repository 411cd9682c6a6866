using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;

namespace EvidenceBroker.Server.Routing;

/// <summary>The decision the intake stores: the outcome, and the engine's input and answer as JSON for replay.</summary>
public sealed record RoutingDecision(
    Outcome Outcome,
    LegalInstrument Channel,
    string PolicyVersion,
    DateOnly EvaluatedOn,
    string InputJson,
    string DecisionJson,
    Decision Decision);

/// <summary>Decides a request with the active policy pack and the operator's current suspensions.</summary>
public interface IRequestDecider
{
    Task<RoutingDecision> DecideAsync(RequestContent content, string providerJurisdiction, DateOnly evaluatedOn, CancellationToken ct);
}
