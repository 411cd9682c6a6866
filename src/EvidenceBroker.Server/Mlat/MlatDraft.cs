using System.Text.Json.Serialization;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Errors;
using Stateless;

namespace EvidenceBroker.Server.Mlat;

public enum MlatDraftState
{
    [JsonStringEnumMemberName("drafted")] Drafted,
    [JsonStringEnumMemberName("sent")] SentToCentralAuthority,
    [JsonStringEnumMemberName("executed")] Executed,
    [JsonStringEnumMemberName("refused")] Refused,
}

public enum MlatDraftTrigger
{
    [JsonStringEnumMemberName("send")] Send,
    [JsonStringEnumMemberName("record-execution")] RecordExecution,
    [JsonStringEnumMemberName("record-refusal")] RecordRefusal,
}

/// <summary>
/// A mutual legal assistance request, pre-filled from the request and the pack, for the requesting state's
/// central authority to send. It ages against the 10-month planning figure.
/// </summary>
public sealed class MlatDraft
{
    private StateMachine<MlatDraftState, MlatDraftTrigger>? lifecycle;

    public required Guid RequestId { get; init; }
    public required string Reference { get; init; }
    public required string RequestingState { get; init; }
    public required string RequestedState { get; init; }
    public string? RequestingCentralAuthority { get; init; }
    public string? RequestedCentralAuthority { get; init; }
    public required string TreatyBasis { get; init; }
    public required string IssuingAuthority { get; init; }
    public required string Offence { get; init; }
    public required string Facts { get; init; }

    /// <summary>The selectors, one a line ("email: x@example.com (from … to …)").</summary>
    public required string Identifiers { get; init; }

    /// <summary>Categories and period sought.</summary>
    public required string DataSought { get; init; }

    /// <summary>Why no direct channel was available: the failing rules' messages.</summary>
    public required string WhyMlat { get; init; }

    public required DateTimeOffset DraftedAt { get; init; }
    public required DateTimeOffset PlanningDueAt { get; init; }
    public MlatDraftState State { get; private set; } = MlatDraftState.Drafted;
    public DateTimeOffset? SentAt { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }

    private StateMachine<MlatDraftState, MlatDraftTrigger> Lifecycle => lifecycle ??= CreateLifecycle(() => State, s => State = s);

    public IReadOnlyList<MlatDraftTrigger> PermittedTriggers => [.. Enum.GetValues<MlatDraftTrigger>().Where(CanFire)];

    /// <summary>Whether a step may be recorded now: the draft is still open and its lifecycle permits it.</summary>
    public bool CanFire(MlatDraftTrigger trigger) => ClosedAt is null && Lifecycle.CanFire(trigger);

    /// <summary>The request it was drafted for ended (withdrawn or closed): no further step, and off the backlog.</summary>
    public void CloseWithRequest(DateTimeOffset at) => ClosedAt ??= at;

    public void Fire(MlatDraftTrigger trigger, DateTimeOffset at)
    {
        Lifecycle.Fire(trigger);
        if (trigger == MlatDraftTrigger.Send)
        {
            SentAt = at;
        }
        else
        {
            ClosedAt = at;
        }
    }

    /// <summary>Executed or refused: the MLAT request has run its course.</summary>
    public static bool HasRunItsCourse(MlatDraftState state) => state is MlatDraftState.Executed or MlatDraftState.Refused;

    /// <summary>
    /// Why a request queued for an MLAT request in <paramref name="state"/> may not take <paramref name="trigger"/> now,
    /// or null. It is closed only once its MLAT request has run its course: closed earlier, the draft could no longer
    /// record that it was sent or executed, and its planning figure would end early. It is withdrawn only until its
    /// MLAT request is executed: the evidence has come by then, and the request is closed instead.
    /// </summary>
    public static string? Forbids(RequestTrigger trigger, MlatDraftState state) => trigger switch
    {
        RequestTrigger.Close when !HasRunItsCourse(state) =>
            $"Its MLAT request is '{Wire.Name(state)}': the request can be closed once the MLAT request has been executed or refused. Until then it can be withdrawn.",
        RequestTrigger.Withdraw when state == MlatDraftState.Executed =>
            "Its MLAT request has been executed: the request can no longer be withdrawn. Close it instead.",
        _ => null,
    };

    public static StateMachine<MlatDraftState, MlatDraftTrigger> CreateLifecycle(Func<MlatDraftState> read, Action<MlatDraftState> write)
    {
        var machine = new StateMachine<MlatDraftState, MlatDraftTrigger>(read, write);
        machine.Configure(MlatDraftState.Drafted).Permit(MlatDraftTrigger.Send, MlatDraftState.SentToCentralAuthority);
        machine.Configure(MlatDraftState.SentToCentralAuthority)
            .Permit(MlatDraftTrigger.RecordExecution, MlatDraftState.Executed)
            .Permit(MlatDraftTrigger.RecordRefusal, MlatDraftState.Refused);
        return machine;
    }
}
