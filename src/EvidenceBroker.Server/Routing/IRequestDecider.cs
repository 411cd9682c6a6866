using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Routing;

/// <summary>The decision the intake stores: the outcome, and the engine's input and answer as JSON for replay.</summary>
/// <param name="DecidedUnder">The policy state the decision was made in, which must still be in force when it is written.</param>
public sealed record RoutingDecision(
    Outcome Outcome,
    LegalInstrument Channel,
    string PolicyVersion,
    DateOnly EvaluatedOn,
    string InputJson,
    string DecisionJson,
    Decision Decision,
    PolicyState DecidedUnder)
{
    /// <summary>The write batch's check, in its turn, that <see cref="DecidedUnder"/> is still the state in force.</summary>
    internal ChangePrecondition? StillInForce { get; init; }
}

/// <summary>Decides a request with the active policy pack and the operator's current suspensions.</summary>
public interface IRequestDecider
{
    /// <summary>
    /// Decides with the policy as this node last saw it. Another node may have changed it since: the decision is valid
    /// only if <see cref="RoutingDecision.DecidedUnder"/> is still in force when the request is written.
    /// </summary>
    Task<RoutingDecision> DecideAsync(RequestContent content, string providerJurisdiction, DateOnly evaluatedOn, CancellationToken ct);

    /// <summary>
    /// Reads the policy in force (inside the writers' turn, where no writer can change it) and decides again if it is
    /// not the state <paramref name="decision"/> was made in; null if it still is.
    /// </summary>
    Task<RoutingDecision?> RevisedAsync(RoutingDecision decision, RequestContent content, string providerJurisdiction, CancellationToken ct);
}
