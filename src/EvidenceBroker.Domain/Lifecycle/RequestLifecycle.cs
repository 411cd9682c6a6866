using Stateless;
using Stateless.Graph;
using Stateless.Reflection;

namespace EvidenceBroker.Domain.Lifecycle;

/// <summary>
/// The request's state machine. The state lives in the entity (read and written through the accessors), so the
/// machine is cheap to rebuild around any loaded request. Guards are pure; side effects belong to the caller,
/// which writes the new state and its audit entry in one transaction.
/// </summary>
public static class RequestLifecycle
{
    private static readonly StateMachine<RequestState, RequestTrigger>.TriggerWithParameters<bool> ConfirmEmergencyTrigger =
        new(RequestTrigger.ConfirmEmergency);

    private static readonly StateMachine<RequestState, RequestTrigger>.TriggerWithParameters<bool> ApproveDirectTrigger =
        new(RequestTrigger.ApproveDirect);

    private static readonly StateMachine<RequestState, RequestTrigger>.TriggerWithParameters<bool> AnswerClarificationTrigger =
        new(RequestTrigger.AnswerClarification);

    /// <summary>States in which nothing more is asked of anyone: no clock runs on them. Their order is the order the
    /// lifecycle diagram (docs) draws their closing edges in.</summary>
    public static readonly IReadOnlyList<RequestState> Finished =
    [
        RequestState.Produced, RequestState.PartiallyProduced, RequestState.Refused, RequestState.Objected,
        RequestState.PreservationExpired, RequestState.Rejected, RequestState.Withdrawn, RequestState.Closed,
    ];

    public static bool IsFinished(RequestState state) => Finished.Contains(state);

    /// <summary>This thread's machine; see <see cref="Borrow"/>.</summary>
    [ThreadStatic]
    private static Borrowed? borrowed;

    /// <summary>Whether <paramref name="trigger"/> may fire from <paramref name="state"/>.</summary>
    public static bool CanFire(RequestState state, RequestTrigger trigger) => Borrow(state).Machine.CanFire(trigger);

    /// <summary>
    /// The state <paramref name="trigger"/> moves <paramref name="state"/> to; throws if it may not fire. The two
    /// releases and the answer to a clarification, whose destination depends on more than the state, have their own methods.
    /// </summary>
    public static RequestState Fire(RequestState state, RequestTrigger trigger)
    {
        if (trigger is RequestTrigger.ConfirmEmergency or RequestTrigger.ApproveDirect or RequestTrigger.AnswerClarification)
        {
            throw new ArgumentException(
                $"'{trigger}' goes where the request's facts send it: use {nameof(ConfirmEmergency)}, {nameof(ApproveDirect)} or {nameof(AnswerClarification)}.",
                nameof(trigger));
        }

        var machine = Borrow(state);
        machine.Machine.Fire(trigger);
        return machine.State;
    }

    /// <summary>
    /// A supervisor confirmed an emergency (R11). It goes to the provider, unless another rule (R8 or R9, or R11 for a
    /// missing threat) still asks for a person's review: then it goes to the review desk, and the provider sees it only
    /// once a reviewer approves it.
    /// </summary>
    public static RequestState ConfirmEmergency(RequestState state, bool reviewStillNeeded) =>
        FireEither(state, ConfirmEmergencyTrigger, reviewStillNeeded);

    /// <summary>A reviewer approved the direct channel: a preservation order then preserves, anything else is produced.</summary>
    public static RequestState ApproveDirect(RequestState state, bool preservation) =>
        FireEither(state, ApproveDirectTrigger, preservation);

    /// <summary>
    /// The agency answered the provider's question: the request returns to where it was when the question was asked, to
    /// the provider's acknowledgement or to before it. An answer is not the provider's acknowledgement.
    /// </summary>
    public static RequestState AnswerClarification(RequestState state, bool askedAfterAcknowledging) =>
        FireEither(state, AnswerClarificationTrigger, askedAfterAcknowledging);

    private static RequestState FireEither(
        RequestState state, StateMachine<RequestState, RequestTrigger>.TriggerWithParameters<bool> trigger, bool fact)
    {
        var machine = Borrow(state);
        machine.Machine.Fire(trigger, fact);
        return machine.State;
    }

    /// <summary>A trigger whose destination a yes-or-no fact decides; both destinations are named in the diagram.</summary>
    private static StateMachine<RequestState, RequestTrigger>.StateConfiguration PermitEither(
        this StateMachine<RequestState, RequestTrigger>.StateConfiguration state, StateMachine<RequestState, RequestTrigger> machine,
        RequestTrigger trigger, string question, (RequestState State, string When) yes, (RequestState State, string When) no) =>
        state.PermitDynamic(
            machine.SetTriggerParameters<bool>(trigger), fact => fact ? yes.State : no.State, question,
            new DynamicStateInfos { { yes.State, yes.When }, { no.State, no.When } });

    /// <summary>The triggers that may fire from <paramref name="state"/>, in declaration order.</summary>
    public static IReadOnlyList<RequestTrigger> PermittedTriggers(RequestState state)
    {
        var machine = Borrow(state).Machine;
        return [.. Enum.GetValues<RequestTrigger>().Where(machine.CanFire)];
    }

    /// <summary>
    /// This thread's machine, pointed at <paramref name="state"/>. Configuring a machine (some sixty transitions) costs
    /// more than the state change a request makes, and the transitions never differ, so each thread builds one and
    /// lends it to whatever request it is moving. The machine has no entry, exit or transition actions: a call on it
    /// runs to its end without re-entering, so one loan never overlaps another.
    /// </summary>
    private static Borrowed Borrow(RequestState state)
    {
        var machine = borrowed ??= new Borrowed();
        machine.State = state;
        return machine;
    }

    private sealed class Borrowed
    {
        public Borrowed() => Machine = Create(() => State, s => State = s);

        public RequestState State { get; set; }

        public StateMachine<RequestState, RequestTrigger> Machine { get; }
    }

    public static StateMachine<RequestState, RequestTrigger> Create(Func<RequestState> read, Action<RequestState> write)
    {
        var machine = new StateMachine<RequestState, RequestTrigger>(read, write);

        machine.Configure(RequestState.Filed)
            .Permit(RequestTrigger.RouteDirect, RequestState.RoutedToProvider)
            .Permit(RequestTrigger.RoutePreservation, RequestState.PreservationActive)
            .Permit(RequestTrigger.QueueForMlat, RequestState.QueuedForMlat)
            .Permit(RequestTrigger.SendToHumanReview, RequestState.AwaitingHumanReview)
            .Permit(RequestTrigger.AwaitSupervisor, RequestState.AwaitingSupervisor)
            .Permit(RequestTrigger.Reject, RequestState.Rejected);

        machine.Configure(RequestState.AwaitingSupervisor)
            .PermitEither(machine, RequestTrigger.ConfirmEmergency, "another rule asks for review?",
                yes: (RequestState.AwaitingHumanReview, "another rule asks for review"),
                no: (RequestState.RoutedToProvider, "no other rule asks for review"))
            .Permit(RequestTrigger.RefuseEmergency, RequestState.Rejected)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        machine.Configure(RequestState.AwaitingHumanReview)
            .PermitEither(machine, RequestTrigger.ApproveDirect, "preservation order?",
                yes: (RequestState.PreservationActive, "a preservation order"),
                no: (RequestState.RoutedToProvider, "a production order"))
            .Permit(RequestTrigger.SendToMlat, RequestState.QueuedForMlat)
            .Permit(RequestTrigger.Reject, RequestState.Rejected)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        machine.Configure(RequestState.QueuedForMlat)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn)
            .Permit(RequestTrigger.Close, RequestState.Closed);

        machine.Configure(RequestState.RoutedToProvider)
            .Permit(RequestTrigger.Acknowledge, RequestState.Acknowledged)
            .Permit(RequestTrigger.RequestClarification, RequestState.ClarificationRequested)
            .Permit(RequestTrigger.Refuse, RequestState.Refused)
            .Permit(RequestTrigger.RaiseObjection, RequestState.Objected)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        machine.Configure(RequestState.Acknowledged)
            .Permit(RequestTrigger.RequestClarification, RequestState.ClarificationRequested)
            .Permit(RequestTrigger.Produce, RequestState.Produced)
            .Permit(RequestTrigger.ProducePartially, RequestState.PartiallyProduced)
            .Permit(RequestTrigger.Refuse, RequestState.Refused)
            .Permit(RequestTrigger.RaiseObjection, RequestState.Objected)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        machine.Configure(RequestState.ClarificationRequested)
            .PermitEither(machine, RequestTrigger.AnswerClarification, "asked after acknowledging?",
                yes: (RequestState.Acknowledged, "asked after acknowledging"),
                no: (RequestState.RoutedToProvider, "asked before acknowledging"))
            .Permit(RequestTrigger.Refuse, RequestState.Refused)
            .Permit(RequestTrigger.RaiseObjection, RequestState.Objected)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        machine.Configure(RequestState.PreservationActive)
            .Permit(RequestTrigger.ExtendPreservation, RequestState.PreservationExtended)
            .Permit(RequestTrigger.ExpirePreservation, RequestState.PreservationExpired)
            .Permit(RequestTrigger.ConvertToProduction, RequestState.RoutedToProvider)
            .Permit(RequestTrigger.Refuse, RequestState.Refused)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        // Preservation is extendable once (Reg. 2023/1543 Art. 11): no extend trigger from the extended state.
        machine.Configure(RequestState.PreservationExtended)
            .Permit(RequestTrigger.ExpirePreservation, RequestState.PreservationExpired)
            .Permit(RequestTrigger.ConvertToProduction, RequestState.RoutedToProvider)
            .Permit(RequestTrigger.Refuse, RequestState.Refused)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        foreach (var finished in Finished.Where(s => s != RequestState.Closed))
        {
            machine.Configure(finished).Permit(RequestTrigger.Close, RequestState.Closed);
        }

        return machine;
    }

    /// <summary>The lifecycle as a Mermaid state diagram, generated from the machine so the docs cannot drift.</summary>
    public static string ToMermaid()
    {
        var state = RequestState.Filed;
        var machine = Create(() => state, s => state = s);
        return MermaidGraph.Format(machine.GetInfo());
    }
}
