using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// The policy engine's decision on a request, with the exact input it saw and the pack version that decided,
/// so it can be replayed later and give the identical answer.
/// </summary>
public sealed class StoredDecision
{
    public required Guid RequestId { get; init; }
    public required Outcome Outcome { get; init; }
    public LegalInstrument? Channel { get; init; }
    public required string PolicyVersion { get; init; }
    public required DateOnly EvaluatedOn { get; init; }
    public required DateTimeOffset DecidedAt { get; init; }

    /// <summary>The engine input (request, provider jurisdiction, suspensions, date) as canonical JSON.</summary>
    public required string InputJson { get; init; }

    /// <summary>The full decision, every rule's reason included, as JSON.</summary>
    public required string DecisionJson { get; init; }
}
