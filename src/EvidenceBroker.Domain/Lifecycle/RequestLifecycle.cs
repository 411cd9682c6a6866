using Stateless;
using Stateless.Graph;

namespace EvidenceBroker.Domain.Lifecycle;

/// <summary>
/// The request's state machine. The state lives in the entity (read and written through the accessors), so the
/// machine is cheap to rebuild around any loaded request. Guards are pure; side effects belong to the caller,
/// which writes the new state and its audit entry in one transaction.
/// </summary>
public static class RequestLifecycle
{
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
            .Permit(RequestTrigger.ConfirmEmergency, RequestState.RoutedToProvider)
            .Permit(RequestTrigger.RefuseEmergency, RequestState.Rejected)
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        machine.Configure(RequestState.AwaitingHumanReview)
            .Permit(RequestTrigger.ApproveDirect, RequestState.RoutedToProvider)
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
            .Permit(RequestTrigger.AnswerClarification, RequestState.Acknowledged)
            .Permit(RequestTrigger.Refuse, RequestState.Refused)
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
            .Permit(RequestTrigger.Withdraw, RequestState.Withdrawn);

        foreach (var finished in new[]
                 {
                     RequestState.Produced, RequestState.PartiallyProduced, RequestState.Refused, RequestState.Objected,
                     RequestState.PreservationExpired, RequestState.Rejected, RequestState.Withdrawn,
                 })
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
