using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Sla;
using Decision = EvidenceBroker.Policies.Decision;
using DecisionDeadlineKind = EvidenceBroker.Policies.DeadlineKind;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// What a provider's legal team sees of a request's history. The request and the engine's decision it sees whole;
/// of the rest, what happened from the moment the request reached it, the notes it wrote or that are addressed to it
/// (its refusals and objections, a withdrawal, the validation of an emergency order or its refusal) and the clocks that bind it. The agency's and
/// the broker's own working stays with them: the steps before the release, a supervisor's confirmation, a reviewer's
/// reasons, the agency's deadline to have an emergency order validated, and the MLAT planning figure.
/// </summary>
public static class ProviderView
{
    private static readonly string[] ReleasingStates =
        [Wire.Name(RequestState.RoutedToProvider), Wire.Name(RequestState.PreservationActive)];

    /// <summary>The note kinds a provider reads; the others are the agency's or the review desk's.</summary>
    public static readonly IReadOnlyList<string> NoteKinds =
        [RequestNote.RefusalKind, RequestNote.ObjectionKind, RequestNote.ValidationKind, RequestNote.ValidationRefusedKind, Wire.Name(RequestTrigger.Withdraw)];

    /// <summary>
    /// The clocks a provider keeps: its answer, the preservation period, when it may tell the user and the enforcing
    /// state's time to object before it hands data over.
    /// </summary>
    public static readonly IReadOnlyList<DeadlineKind> DeadlineKinds =
        [DeadlineKind.Response, DeadlineKind.Preservation, DeadlineKind.NonDisclosureEnd, DeadlineKind.EnforcingStateObjection];

    public static bool IsFor(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Tenant.Kind == TenantKind.Provider;
    }

    /// <summary>
    /// A request's audit events, in chain order, from the one that released it to the provider (its decision, or the
    /// supervisor's or reviewer's action that released it) onwards, less the SLA events of the agency's own clocks and
    /// the agency's refused attempts to convert a preservation (which changed nothing).
    /// </summary>
    public static List<AuditEntry> Events(IEnumerable<AuditEntry> inChainOrder) =>
        inChainOrder.SkipWhile(e => !ReleasingStates.Contains(e.StateAfter))
            .Where(e => !IsAgencyClockEvent(e) && e.Action != RequestActions.ConversionRefused).ToList();

    /// <summary>
    /// Who acted, as a provider reads it: its own people and systems by id; another tenant's (an officer, a
    /// supervisor, a reviewer) by role and tenant only, which the entry shows beside it.
    /// </summary>
    public static string ActorId(AuditEntry entry, string providerId)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.ActorTenant == Tenant.Provider(providerId).ToString() ? entry.ActorId : "";
    }

    /// <summary>Whether the provider hears of this deadline: its webhooks and its timeline follow the same rule.</summary>
    public static bool Keeps(DeadlineKind kind) => DeadlineKinds.Contains(kind);

    /// <summary>
    /// Which of a decision's deadlines the provider's dossier dates: those that bind it, including the enforcing
    /// state's time to object before it may hand the data over; not the agency's validation or MLAT planning. Named
    /// one by one, as the clocks above are, so that a kind added later stays the agency's until someone decides.
    /// </summary>
    public static bool Keeps(DecisionDeadlineKind kind) =>
        kind is DecisionDeadlineKind.Response or DecisionDeadlineKind.Preservation or DecisionDeadlineKind.PreservationExtension
            or DecisionDeadlineKind.EnforcingStateObjection;

    /// <summary>
    /// A decision as <paramref name="reader"/> reads it: a provider, less the deadlines that bind the agency alone;
    /// everyone else, whole.
    /// </summary>
    public static Decision DecisionFor(Caller reader, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return IsFor(reader) ? decision with { Deadlines = [.. decision.Deadlines.Where(d => Keeps(d.Kind))] } : decision;
    }

    /// <summary>
    /// A question and its answer as a provider reads them: who asked (its own people) by name, who answered for the
    /// agency not at all, as in its timeline's events.
    /// </summary>
    public static Clarification ClarificationFor(Caller reader, Clarification clarification)
    {
        ArgumentNullException.ThrowIfNull(clarification);
        return !IsFor(reader) || clarification.AnsweredBy is null ? clarification : new Clarification
        {
            Id = clarification.Id, RequestId = clarification.RequestId, AskedBy = clarification.AskedBy, Question = clarification.Question,
            AskedAt = clarification.AskedAt, AnsweredBy = "", Answer = clarification.Answer, AnsweredAt = clarification.AnsweredAt,
        };
    }

    /// <summary>
    /// A note as a provider reads it: its own refusals and objections with their author; the agency's (a withdrawal,
    /// a validation) by role only.
    /// </summary>
    public static RequestNote NoteFor(Caller reader, RequestNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        return !IsFor(reader) || note.Kind is RequestNote.RefusalKind or RequestNote.ObjectionKind ? note : new RequestNote
        {
            Id = note.Id, RequestId = note.RequestId, Kind = note.Kind, Author = "", AuthorRole = note.AuthorRole,
            Grounds = note.Grounds, Text = note.Text, At = note.At,
        };
    }

    /// <summary>An SLA sweep's entry (a reminder, a breach) about a deadline the provider does not keep.</summary>
    private static bool IsAgencyClockEvent(AuditEntry entry)
    {
        if (!entry.Action.StartsWith("sla.", StringComparison.Ordinal))
        {
            return false;
        }

        using var payload = JsonDocument.Parse(entry.PayloadJson);
        return !(payload.RootElement.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String
                 && Wire.TryParse<DeadlineKind>(kind.GetString(), out var parsed) && Keeps(parsed));
    }
}
