using System.Text.Json.Serialization;

namespace EvidenceBroker.Domain.Lifecycle;

/// <summary>Where a request stands. Every change of state goes through <see cref="RequestLifecycle"/>.</summary>
public enum RequestState
{
    [JsonStringEnumMemberName("filed")] Filed,
    [JsonStringEnumMemberName("awaiting-human-review")] AwaitingHumanReview,
    [JsonStringEnumMemberName("awaiting-supervisor")] AwaitingSupervisor,
    [JsonStringEnumMemberName("queued-for-mlat")] QueuedForMlat,
    [JsonStringEnumMemberName("rejected")] Rejected,
    [JsonStringEnumMemberName("routed-to-provider")] RoutedToProvider,
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    [JsonStringEnumMemberName("clarification-requested")] ClarificationRequested,
    [JsonStringEnumMemberName("produced")] Produced,
    [JsonStringEnumMemberName("partially-produced")] PartiallyProduced,
    [JsonStringEnumMemberName("refused")] Refused,
    [JsonStringEnumMemberName("objected")] Objected,
    [JsonStringEnumMemberName("preservation-active")] PreservationActive,
    [JsonStringEnumMemberName("preservation-extended")] PreservationExtended,
    [JsonStringEnumMemberName("preservation-expired")] PreservationExpired,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
    [JsonStringEnumMemberName("closed")] Closed,
}

public enum RequestTrigger
{
    [JsonStringEnumMemberName("route-direct")] RouteDirect,
    [JsonStringEnumMemberName("route-preservation")] RoutePreservation,
    [JsonStringEnumMemberName("queue-for-mlat")] QueueForMlat,
    [JsonStringEnumMemberName("send-to-human-review")] SendToHumanReview,
    [JsonStringEnumMemberName("await-supervisor")] AwaitSupervisor,
    [JsonStringEnumMemberName("reject")] Reject,
    [JsonStringEnumMemberName("confirm-emergency")] ConfirmEmergency,
    [JsonStringEnumMemberName("refuse-emergency")] RefuseEmergency,
    [JsonStringEnumMemberName("approve-direct")] ApproveDirect,
    [JsonStringEnumMemberName("send-to-mlat")] SendToMlat,
    [JsonStringEnumMemberName("acknowledge")] Acknowledge,
    [JsonStringEnumMemberName("request-clarification")] RequestClarification,
    [JsonStringEnumMemberName("answer-clarification")] AnswerClarification,
    [JsonStringEnumMemberName("produce")] Produce,
    [JsonStringEnumMemberName("produce-partially")] ProducePartially,
    [JsonStringEnumMemberName("refuse")] Refuse,
    [JsonStringEnumMemberName("object")] RaiseObjection,
    [JsonStringEnumMemberName("extend-preservation")] ExtendPreservation,
    [JsonStringEnumMemberName("expire-preservation")] ExpirePreservation,
    [JsonStringEnumMemberName("convert-to-production")] ConvertToProduction,
    [JsonStringEnumMemberName("withdraw")] Withdraw,
    [JsonStringEnumMemberName("close")] Close,
}
