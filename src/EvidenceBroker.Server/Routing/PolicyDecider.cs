using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;

namespace EvidenceBroker.Server.Routing;

/// <summary>Runs the active engine with the suspensions in force now, and keeps its exact input for replay.</summary>
public sealed class PolicyDecider(PolicyRegistry registry, BrokerDbContext db) : IRequestDecider
{
    public async Task<RoutingDecision> DecideAsync(
        RequestContent content, string providerJurisdiction, DateOnly evaluatedOn, CancellationToken ct) =>
        Decide(await registry.LastSeenAsync(db, ct), content, providerJurisdiction, evaluatedOn);

    public async Task<RoutingDecision?> RevisedAsync(
        RoutingDecision decision, RequestContent content, string providerJurisdiction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var policy = await registry.InForceAsync(db, ct);
        return policy.State.Equals(decision.DecidedUnder) ? null : Decide(policy, content, providerJurisdiction, decision.EvaluatedOn);
    }

    /// <summary>Decides again, with the pack version and input a stored decision recorded.</summary>
    public async Task<Decision> ReplayAsync(string policyVersion, string inputJson, CancellationToken ct)
    {
        var engine = await registry.EngineForAsync(db, policyVersion, ct);
        return engine.Evaluate(StoredPolicyInput.FromJson(inputJson).ToInput());
    }

    /// <summary>Loads (compiles, if this node has not yet) the pack of <paramref name="policyVersion"/>, so that a write can use it at once.</summary>
    public Task LoadAsync(string policyVersion, CancellationToken ct) => registry.EngineForAsync(db, policyVersion, ct);

    /// <summary>The MLAT deadlines of the pack a decision was made under: a reviewer's "mlat" follows the same pack.</summary>
    public async Task<IReadOnlyList<Deadline>> MlatDeadlinesAsync(string policyVersion, CancellationToken ct) =>
        (await registry.EngineForAsync(db, policyVersion, ct)).Pack.MlatPlanning;

    /// <summary>
    /// R11: a stored emergency decision made again, by the same pack on the same input, now that a supervisor has
    /// confirmed the emergency, but with the suspensions in force now (C11): a country suspended while its emergency
    /// waited for a supervisor is not released to the provider. Still "human review" when another rule asks for a person
    /// (R8, R9, or R11 itself for a missing threat). Called inside the write, so no suspension slips in between.
    /// </summary>
    public async Task<RevisedDecision> WithEmergencyConfirmedAsync(StoredDecision stored, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var engine = await registry.EngineForAsync(db, stored.PolicyVersion, ct);
        var suspendedNow = (await registry.InForceAsync(db, ct)).SuspendedCountries;
        var input = StoredPolicyInput.FromJson(stored.InputJson) with { EmergencyConfirmedBySupervisor = true, SuspendedCountries = suspendedNow };
        var decision = engine.Evaluate(input.ToInput());
        return new RevisedDecision(decision, input.ToJson(), JsonSerializer.Serialize(decision, DecisionJson.Compact));
    }

    /// <summary>
    /// A preservation order that is to become a production order, decided as a production by the policy in force now
    /// (read inside the writers' turn): R3 and R4 ask more of a production than of a preservation. A preservation
    /// named as an EU preservation order (EPOC-PR) is decided as the EU production order (EPOC) it becomes.
    /// </summary>
    public async Task<RevisedDecision> AsProductionAsync(EvidenceRequest preservation, DateOnly evaluatedOn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(preservation);
        var content = preservation.Content with
        {
            Urgency = Urgency.Standard,
            LegalInstrument = preservation.Content.LegalInstrument == LegalInstrument.EuEpocPr ? LegalInstrument.EuEpoc : preservation.Content.LegalInstrument,
        };
        var decided = Decide(await registry.InForceAsync(db, ct), content, preservation.ProviderJurisdiction, evaluatedOn);
        return new RevisedDecision(decided.Decision, decided.InputJson, decided.DecisionJson);
    }

    private RoutingDecision Decide(PolicyInForce policy, RequestContent content, string providerJurisdiction, DateOnly evaluatedOn)
    {
        var stored = new StoredPolicyInput(content, providerJurisdiction, evaluatedOn, policy.SuspendedCountries, EmergencyConfirmedBySupervisor: false);
        var decision = policy.Engine.Evaluate(stored.ToInput());
        return new RoutingDecision(
            decision.Outcome, decision.Channel, decision.PolicyVersion, evaluatedOn, stored.ToJson(),
            JsonSerializer.Serialize(decision, DecisionJson.Compact), decision, policy.State)
        {
            StillInForce = new ChangePrecondition(registry.TurnState(db), policy.State),
        };
    }
}
