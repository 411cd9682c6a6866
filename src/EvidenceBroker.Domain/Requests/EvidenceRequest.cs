using EvidenceBroker.Domain.Lifecycle;

namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// The request aggregate: what was filed, by whom, for whom, and where it stands. The decision's details
/// (every rule's reason) are stored beside it; the aggregate keeps what its lifecycle needs.
/// </summary>
public sealed class EvidenceRequest
{
    private EvidenceRequest()
    {
        // For the persistence layer.
        Reference = string.Empty;
        RequestingCountry = string.Empty;
        AgencyId = string.Empty;
        ProviderId = string.Empty;
        ProviderJurisdiction = string.Empty;
        FiledBy = string.Empty;
        Content = null!;
    }

    public EvidenceRequest(
        Guid id,
        string reference,
        RequestContent content,
        string providerJurisdiction,
        string filedBy,
        DateTimeOffset filedAt)
    {
        ArgumentNullException.ThrowIfNull(content);
        Id = id;
        Reference = reference;
        Content = content;
        RequestingCountry = content.RequestingCountry;
        Urgency = content.Urgency;
        AgencyId = content.AgencyId ?? throw new ArgumentException("A filed request names its agency.", nameof(content));
        ProviderId = content.ProviderId ?? throw new ArgumentException("A filed request names its provider.", nameof(content));
        ProviderJurisdiction = providerJurisdiction;
        FiledBy = filedBy;
        FiledAt = filedAt;
        UpdatedAt = filedAt;
        State = RequestState.Filed;
    }

    public Guid Id { get; private set; }

    /// <summary>Human-readable reference, e.g. EB-2026-7Q4K9X.</summary>
    public string Reference { get; private set; }

    public string RequestingCountry { get; private set; }

    /// <summary>The content's urgency, beside it so that lists and counts need not read the content.</summary>
    public Urgency Urgency { get; private set; }

    public string AgencyId { get; private set; }
    public string ProviderId { get; private set; }
    public string ProviderJurisdiction { get; private set; }
    public RequestContent Content { get; private set; }
    public string FiledBy { get; private set; }
    public DateTimeOffset FiledAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public RequestState State { get; private set; }
    public Outcome? Outcome { get; private set; }
    public LegalInstrument? Channel { get; private set; }
    public string? PolicyVersion { get; private set; }

    /// <summary>When the provider could first see the request; SLA clocks start here.</summary>
    public DateTimeOffset? ReleasedToProviderAt { get; private set; }

    /// <summary>Optimistic concurrency: two writers never both move the same request.</summary>
    public long Revision { get; private set; }

    public IReadOnlyList<RequestTrigger> PermittedTriggers => RequestLifecycle.PermittedTriggers(State);

    public bool CanFire(RequestTrigger trigger) => RequestLifecycle.CanFire(State, trigger);

    /// <summary>
    /// Moves the request; throws <see cref="InvalidTransitionException"/> listing what is allowed now. A supervisor's
    /// confirmation of an emergency goes through <see cref="ConfirmEmergency"/> instead (the lifecycle refuses it here).
    /// </summary>
    public void Fire(RequestTrigger trigger, DateTimeOffset at) =>
        Move(trigger, at, () => trigger == RequestTrigger.ApproveDirect
            ? RequestLifecycle.ApproveDirect(State, preservation: Content.Urgency == Urgency.Preservation)
            : RequestLifecycle.Fire(State, trigger));

    /// <summary>
    /// A supervisor confirmed this emergency: to the provider, or to a reviewer when <paramref name="reviewStillNeeded"/>
    /// (the decision, with the confirmation, still asks for a person's review).
    /// </summary>
    public void ConfirmEmergency(bool reviewStillNeeded, DateTimeOffset at) =>
        Move(RequestTrigger.ConfirmEmergency, at, () => RequestLifecycle.ConfirmEmergency(State, reviewStillNeeded));

    /// <summary>
    /// The agency answered the provider's question: back to the acknowledged request, or to the request routed to the
    /// provider when the question came before the acknowledgement (<paramref name="askedAfterAcknowledging"/> false).
    /// </summary>
    public void AnswerClarification(bool askedAfterAcknowledging, DateTimeOffset at) =>
        Move(RequestTrigger.AnswerClarification, at, () => RequestLifecycle.AnswerClarification(State, askedAfterAcknowledging));

    private void Move(RequestTrigger trigger, DateTimeOffset at, Func<RequestState> next)
    {
        if (!CanFire(trigger))
        {
            throw new InvalidTransitionException(State, trigger, PermittedTriggers);
        }

        State = next();
        if (ReleasedToProviderAt is null && State is RequestState.RoutedToProvider or RequestState.PreservationActive)
        {
            ReleasedToProviderAt = at;
        }

        UpdatedAt = at;
        Revision++;
    }

    /// <summary>Records the engine's decision and moves the request to where that decision sends it.</summary>
    public void ApplyDecision(Outcome outcome, LegalInstrument? channel, string policyVersion, DateTimeOffset at)
    {
        Outcome = outcome;
        Channel = channel;
        PolicyVersion = policyVersion;
        Fire(TriggerFor(outcome), at);
    }

    /// <summary>
    /// A decision made again after filing (an emergency confirmed, a preservation becoming a production) is the one in
    /// force; the state moves by the action that asked for it, not here.
    /// </summary>
    public void ReviseDecision(Outcome outcome, LegalInstrument? channel, string policyVersion)
    {
        Outcome = outcome;
        Channel = channel;
        PolicyVersion = policyVersion;
    }

    private RequestTrigger TriggerFor(Outcome outcome) => outcome switch
    {
        Requests.Outcome.Direct when Content.Urgency == Urgency.Preservation => RequestTrigger.RoutePreservation,
        Requests.Outcome.Direct => RequestTrigger.RouteDirect,
        Requests.Outcome.Mlat => RequestTrigger.QueueForMlat,
        Requests.Outcome.HumanReview when Content.Urgency == Urgency.Emergency => RequestTrigger.AwaitSupervisor,
        Requests.Outcome.HumanReview => RequestTrigger.SendToHumanReview,
        Requests.Outcome.Rejected => RequestTrigger.Reject,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
