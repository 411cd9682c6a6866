using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Sla;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// What a provider's legal team sees of a request's history. The request and the engine's decision it sees whole;
/// of the rest, what happened from the moment the request reached it, the notes it wrote or that are addressed to it
/// (its refusals and objections, a withdrawal, a validation afterwards) and the clocks that bind it. The agency's and
/// the broker's own working stays with them: the steps before the release, a supervisor's confirmation, a reviewer's
/// reasons, the agency's deadline to have an emergency order validated, and the MLAT planning figure.
/// </summary>
public static class ProviderView
{
    private static readonly string[] ReleasingStates =
        [Wire.Name(RequestState.RoutedToProvider), Wire.Name(RequestState.PreservationActive)];

    /// <summary>The note kinds a provider reads; the others are the agency's or the review desk's.</summary>
    public static readonly IReadOnlyList<string> NoteKinds =
        [RequestNote.RefusalKind, RequestNote.ObjectionKind, RequestNote.ValidationKind, Wire.Name(RequestTrigger.Withdraw)];

    /// <summary>The clocks a provider keeps: its answer, the preservation period and when it may tell the user.</summary>
    public static readonly IReadOnlyList<DeadlineKind> DeadlineKinds =
        [DeadlineKind.Response, DeadlineKind.Preservation, DeadlineKind.NonDisclosureEnd];

    public static bool IsFor(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Tenant.Kind == TenantKind.Provider;
    }

    /// <summary>
    /// A request's audit events, in chain order, from the one that released it to the provider (its decision, or the
    /// supervisor's or reviewer's action that released it) onwards.
    /// </summary>
    public static List<T> SinceRelease<T>(IEnumerable<T> eventsInOrder, Func<T, string?> stateAfter) =>
        eventsInOrder.SkipWhile(e => !ReleasingStates.Contains(stateAfter(e))).ToList();
}
