using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Domain.Tests.Lifecycle;

public sealed class RequestLifecycleTests
{
    private static readonly DateTimeOffset Filed = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(Outcome.Direct, Urgency.Standard, RequestState.RoutedToProvider)]
    [InlineData(Outcome.Direct, Urgency.Preservation, RequestState.PreservationActive)]
    [InlineData(Outcome.Mlat, Urgency.Standard, RequestState.QueuedForMlat)]
    [InlineData(Outcome.HumanReview, Urgency.Standard, RequestState.AwaitingHumanReview)]
    [InlineData(Outcome.HumanReview, Urgency.Emergency, RequestState.AwaitingSupervisor)]
    [InlineData(Outcome.Rejected, Urgency.Standard, RequestState.Rejected)]
    public void A_decision_moves_the_request_where_its_outcome_sends_it(Outcome outcome, Urgency urgency, RequestState expected)
    {
        var request = NewRequest(urgency);

        request.ApplyDecision(outcome, LegalInstrument.CloudActAgreement, "sha256:test", Filed);

        Assert.Equal(expected, request.State);
    }

    [Fact]
    public void Release_to_the_provider_is_stamped_once_and_starts_the_clock()
    {
        var request = NewRequest(Urgency.Standard);
        request.ApplyDecision(Outcome.Direct, LegalInstrument.CloudActAgreement, "sha256:test", Filed);

        request.Fire(RequestTrigger.Acknowledge, Filed.AddHours(2));

        Assert.Equal(Filed, request.ReleasedToProviderAt);
        Assert.Equal(2, request.Revision);
    }

    [Fact]
    public void An_impossible_trigger_is_refused_with_the_triggers_allowed_now()
    {
        var request = NewRequest(Urgency.Standard);
        request.ApplyDecision(Outcome.Mlat, LegalInstrument.Mlat, "sha256:test", Filed);

        var error = Assert.Throws<InvalidTransitionException>(() => request.Fire(RequestTrigger.Produce, Filed));

        Assert.Equal(RequestState.QueuedForMlat, error.State);
        Assert.Equal([RequestTrigger.Withdraw, RequestTrigger.Close], error.Permitted.Order().ToArray());
        Assert.Equal(RequestState.QueuedForMlat, request.State);
    }

    [Theory]
    [InlineData(false, RequestState.RoutedToProvider)]
    [InlineData(true, RequestState.AwaitingHumanReview)]
    public void A_confirmed_emergency_goes_to_a_reviewer_when_another_rule_still_asks_for_one(bool reviewStillNeeded, RequestState expected)
    {
        var request = NewRequest(Urgency.Emergency);
        request.ApplyDecision(Outcome.HumanReview, LegalInstrument.CloudActAgreement, "sha256:test", Filed);

        request.ConfirmEmergency(reviewStillNeeded, Filed.AddMinutes(20));

        Assert.Equal(expected, request.State);
        Assert.Equal(reviewStillNeeded ? null : Filed.AddMinutes(20), request.ReleasedToProviderAt);
    }

    [Fact]
    public void A_confirmation_cannot_be_fired_without_saying_whether_review_is_still_needed()
    {
        var request = NewRequest(Urgency.Emergency);
        request.ApplyDecision(Outcome.HumanReview, LegalInstrument.CloudActAgreement, "sha256:test", Filed);

        Assert.Throws<ArgumentException>(() => request.Fire(RequestTrigger.ConfirmEmergency, Filed));
        Assert.Throws<ArgumentException>(() => RequestLifecycle.Fire(RequestState.AwaitingHumanReview, RequestTrigger.ApproveDirect));
        Assert.Equal(RequestState.AwaitingSupervisor, request.State);
    }

    [Theory]
    [InlineData(Urgency.Standard, RequestState.RoutedToProvider)]
    [InlineData(Urgency.Preservation, RequestState.PreservationActive)]
    public void A_reviewer_s_approval_preserves_a_preservation_order_and_sends_any_other(Urgency urgency, RequestState expected)
    {
        var request = NewRequest(urgency);
        request.ApplyDecision(Outcome.HumanReview, LegalInstrument.CloudActAgreement, "sha256:test", Filed);

        request.Fire(RequestTrigger.ApproveDirect, Filed.AddHours(1));

        Assert.Equal(expected, request.State);
        Assert.Equal(Filed.AddHours(1), request.ReleasedToProviderAt);
    }

    [Theory]
    [InlineData(false, RequestState.RoutedToProvider)]
    [InlineData(true, RequestState.Acknowledged)]
    public void An_answer_returns_the_request_to_where_the_question_found_it(bool askedAfterAcknowledging, RequestState expected)
    {
        var request = NewRequest(Urgency.Standard);
        request.ApplyDecision(Outcome.Direct, LegalInstrument.CloudActAgreement, "sha256:test", Filed);
        if (askedAfterAcknowledging)
        {
            request.Fire(RequestTrigger.Acknowledge, Filed.AddHours(1));
        }

        request.Fire(RequestTrigger.RequestClarification, Filed.AddHours(2));
        request.AnswerClarification(askedAfterAcknowledging, Filed.AddHours(3));

        Assert.Equal(expected, request.State);
        Assert.Throws<ArgumentException>(() => RequestLifecycle.Fire(RequestState.ClarificationRequested, RequestTrigger.AnswerClarification));
    }

    [Fact]
    public void Preservation_can_be_extended_only_once()
    {
        var request = NewRequest(Urgency.Preservation);
        request.ApplyDecision(Outcome.Direct, LegalInstrument.EuEpocPr, "sha256:test", Filed);

        request.Fire(RequestTrigger.ExtendPreservation, Filed.AddDays(50));

        Assert.False(request.CanFire(RequestTrigger.ExtendPreservation));
    }

    [Fact]
    public void The_diagram_is_generated_from_the_machine()
    {
        var mermaid = RequestLifecycle.ToMermaid();

        Assert.StartsWith("stateDiagram-v2", mermaid.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("RoutedToProvider --> Acknowledged", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_moved_in_turn_on_one_thread_each_keep_their_own_state()
    {
        var routed = NewRequest(Urgency.Standard);
        var queued = NewRequest(Urgency.Standard);
        routed.ApplyDecision(Outcome.Direct, LegalInstrument.CloudActAgreement, "sha256:test", Filed);
        queued.ApplyDecision(Outcome.Mlat, LegalInstrument.Mlat, "sha256:test", Filed);

        Assert.True(routed.CanFire(RequestTrigger.Acknowledge));
        Assert.False(queued.CanFire(RequestTrigger.Acknowledge));
        routed.Fire(RequestTrigger.Acknowledge, Filed.AddHours(1));
        queued.Fire(RequestTrigger.Close, Filed.AddHours(2));
        routed.Fire(RequestTrigger.Produce, Filed.AddHours(3));

        Assert.Equal(RequestState.Produced, routed.State);
        Assert.Equal(RequestState.Closed, queued.State);
        Assert.Equal([RequestTrigger.Withdraw, RequestTrigger.Close], NewQueued().PermittedTriggers);
    }

    private static EvidenceRequest NewQueued()
    {
        var request = NewRequest(Urgency.Standard);
        request.ApplyDecision(Outcome.Mlat, LegalInstrument.Mlat, "sha256:test", Filed);
        return request;
    }

    private static EvidenceRequest NewRequest(Urgency urgency) => new(
        Guid.NewGuid(), "EB-2026-TEST01",
        new RequestContent
        {
            RequestingCountry = "GB",
            AgencyId = "gb-met",
            ProviderId = "northwind-mail",
            DataCategories = [DataCategory.Subscriber],
            Identifiers = [new Identifier { Type = IdentifierType.Email, Value = "a@example.com" }],
            Offence = new Offence { Description = "Fraud", MaxPenaltyYears = 10 },
            IssuingAuthority = new Authority { Type = AuthorityType.Court, Name = "Court" },
            Urgency = urgency,
            Justification = "Facts.",
        },
        "US", "met-case-system", Filed);
}
