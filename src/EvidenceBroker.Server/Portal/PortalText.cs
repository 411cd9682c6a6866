using System.Globalization;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Requests;

namespace EvidenceBroker.Server.Portal;

/// <summary>Plain-language names for the vocabulary, so pages never show a wire name where a sentence fits.</summary>
public static class PortalText
{
    public static string Role(string? role) => role switch
    {
        PortalRoles.Officer => "Officer",
        PortalRoles.Supervisor => "Supervisor",
        PortalRoles.ProviderLegal => "Provider legal team",
        PortalRoles.Reviewer => "Legal reviewer (review desk)",
        PortalRoles.Oversight => "Oversight",
        PortalRoles.Administrator => "Administrator",
        _ => role ?? "",
    };

    public static string State(RequestState state) => state switch
    {
        RequestState.Filed => "Filed",
        RequestState.AwaitingHumanReview => "Awaiting human review",
        RequestState.AwaitingSupervisor => "Awaiting supervisor",
        RequestState.QueuedForMlat => "Queued for MLAT",
        RequestState.Rejected => "Rejected",
        RequestState.RoutedToProvider => "With the provider",
        RequestState.Acknowledged => "Acknowledged",
        RequestState.ClarificationRequested => "Clarification requested",
        RequestState.Produced => "Produced",
        RequestState.PartiallyProduced => "Partially produced",
        RequestState.Refused => "Refused",
        RequestState.Objected => "Objected",
        RequestState.PreservationActive => "Preserved",
        RequestState.PreservationExtended => "Preservation extended",
        RequestState.PreservationExpired => "Preservation expired",
        RequestState.Withdrawn => "Withdrawn",
        RequestState.Closed => "Closed",
        _ => Wire.Name(state),
    };

    /// <summary>A state's label inside a sentence: "queued for MLAT", "partially produced" (labels start with a plain word).</summary>
    public static string StateInSentence(RequestState state)
    {
        var label = State(state);
        return string.Concat(label[..1].ToLowerInvariant(), label[1..]);
    }

    /// <summary>A CSS tone for a state badge: calm by default, amber for waiting on someone, red for a refusal.</summary>
    public static string Tone(RequestState state) => state switch
    {
        RequestState.Produced or RequestState.PartiallyProduced or RequestState.PreservationActive or RequestState.PreservationExtended => "good",
        RequestState.Rejected or RequestState.Refused or RequestState.Objected => "bad",
        RequestState.AwaitingHumanReview or RequestState.AwaitingSupervisor or RequestState.ClarificationRequested or RequestState.QueuedForMlat => "wait",
        RequestState.Withdrawn or RequestState.Closed or RequestState.PreservationExpired => "done",
        _ => "info",
    };

    /// <summary>What a request note records, as a heading.</summary>
    public static string NoteKind(string kind) => kind switch
    {
        RequestNote.RefusalKind => "Refused",
        RequestNote.ObjectionKind => "Objection raised",
        RequestNote.ReviewKind => "Review decision",
        RequestNote.ValidationKind => "Validation recorded",
        RequestNote.ValidationRefusedKind => "Validation refused",
        _ => Wire.TryParse<RequestTrigger>(kind, out var trigger) ? Trigger(trigger) : kind,
    };

    public static string Outcome(Outcome? outcome) => outcome switch
    {
        Domain.Requests.Outcome.Direct => "Direct to provider",
        Domain.Requests.Outcome.Mlat => "MLAT",
        Domain.Requests.Outcome.HumanReview => "Human review",
        Domain.Requests.Outcome.Rejected => "Rejected",
        _ => "—",
    };

    public static string OutcomeExplained(Outcome outcome, LegalInstrument channel) => outcome switch
    {
        Domain.Requests.Outcome.Direct => $"Can go straight to the provider under {Channel(channel)}.",
        Domain.Requests.Outcome.Mlat => "No direct channel is open for this request: a pre-filled MLAT draft goes to the central authority. Plan for about ten months.",
        Domain.Requests.Outcome.HumanReview => "A person must decide before anything is sent. They will see the reasons below.",
        Domain.Requests.Outcome.Rejected => "Cannot be sent as it stands. Fix the points marked below and it can be filed again.",
        _ => "",
    };

    public static string Channel(LegalInstrument? channel) => channel switch
    {
        LegalInstrument.CloudActAgreement => "CLOUD Act agreement",
        LegalInstrument.EuEpoc => "EU Production Order (EPOC)",
        LegalInstrument.EuEpocPr => "EU Preservation Order (EPOC-PR)",
        LegalInstrument.BudapestArt7 => "Budapest Protocol Art. 7",
        LegalInstrument.Voluntary => "Voluntary disclosure (18 U.S.C. §2702)",
        LegalInstrument.Mlat => "MLAT",
        null => "—",
        _ => Wire.Name(channel.Value),
    };

    public static string Category(DataCategory category) => category switch
    {
        DataCategory.Subscriber => "Subscriber information",
        DataCategory.Identification => "Identification (IP and time only)",
        DataCategory.Traffic => "Traffic data",
        DataCategory.Content => "Content",
        DataCategory.Interception => "Real-time interception",
        _ => Wire.Name(category),
    };

    public static string Authority(AuthorityType type) => type switch
    {
        AuthorityType.Judge => "Judge",
        AuthorityType.Court => "Court",
        AuthorityType.InvestigatingJudge => "Investigating judge",
        AuthorityType.Prosecutor => "Prosecutor",
        AuthorityType.Police => "Police",
        _ => "Other",
    };

    public static string Flag(SensitiveCircumstance flag) => flag switch
    {
        SensitiveCircumstance.Press => "Journalist or press",
        SensitiveCircumstance.Political => "Political activity",
        SensitiveCircumstance.Privileged => "Legally privileged",
        SensitiveCircumstance.Immunity => "Immunity",
        SensitiveCircumstance.DeathPenaltyPossible => "Death penalty possible",
        SensitiveCircumstance.OnBehalfOfThirdState => "On behalf of a third state",
        _ => Wire.Name(flag),
    };

    public static string RuleStatusText(RuleStatus status) => status switch
    {
        RuleStatus.Passed => "Met",
        RuleStatus.Failed => "Not met",
        RuleStatus.NotApplicable => "Does not apply",
        _ => "Not checked",
    };

    public static string Deadline(Deadline deadline) => DeadlineText(deadline, Exports.Formatting.Length(deadline));

    /// <summary>
    /// A deadline for a line that goes on to show its source, as the request page's list does. A broker
    /// default's source already opens with "Broker default", so the marker <see cref="Deadline"/> adds
    /// for pages that show no source is left off rather than said twice on one line.
    /// </summary>
    public static string DeadlineBesideSource(Deadline deadline) =>
        deadline.Source.StartsWith("Broker default", StringComparison.OrdinalIgnoreCase)
            ? DeadlineText(deadline with { BrokerDefault = false }, Exports.Formatting.Length(deadline))
            : Deadline(deadline);

    private static string DeadlineText(Deadline deadline, string duration) => deadline.Kind switch
    {
        DeadlineKind.Response => $"Provider answers within {duration}",
        DeadlineKind.Preservation => $"Data preserved for {duration}",
        DeadlineKind.PreservationExtension => $"Preservation extendable by {duration}",
        DeadlineKind.PostHocValidation => $"Order validated afterwards within {duration}",
        DeadlineKind.EnforcingStateObjection => $"Enforcing state may object within {duration}",
        DeadlineKind.MlatPlanning => $"MLAT planning figure: {duration}",
        _ => duration,
    } + (deadline.BrokerDefault ? " (broker default)" : "");

    /// <summary>
    /// The request's urgency as it stands. The content keeps the urgency it was filed with, so a preservation the
    /// agency turned into a production order would still read "Preservation"; the conversion is in its timeline.
    /// </summary>
    public static string Urgency(Urgency filedAs, IEnumerable<Audit.AuditEntry> timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var conversion = RequestActions.AuditActionOf(RequestTrigger.ConvertToProduction);
        return timeline.FirstOrDefault(e => e.Action == conversion) is { } converted
            ? $"{filedAs}, converted to production on {When(converted.At)}"
            : filedAs.ToString();
    }

    /// <summary>"3 d 4 h left", "5 h left", "overdue by 2 d".</summary>
    public static string Countdown(DateTimeOffset due, DateTimeOffset now)
    {
        var span = due - now;
        var abs = span.Duration();
        var text = abs.TotalDays >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)abs.TotalDays} d {abs.Hours} h")
            : abs.TotalHours >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)abs.TotalHours} h {abs.Minutes} min")
                : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, abs.Minutes)} min");
        return span < TimeSpan.Zero ? $"overdue by {text}" : $"{text} left";
    }

    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>
    /// A period of data as asked: whole days ("1 Mar 2025 – 9 Mar 2025", the last day included) when it runs from
    /// midnight to midnight UTC, as the portal's form files it; otherwise the two instants, as an API client may give them.
    /// </summary>
    public static string Period(DateTimeOffset from, DateTimeOffset to) =>
        IsMidnight(from) && IsMidnight(to) && to > from
            ? $"{Day(from)} – {Day(to.AddDays(-1))}"
            : $"{When(from)} – {When(to)}";

    private static bool IsMidnight(DateTimeOffset at) => at.UtcDateTime.TimeOfDay == TimeSpan.Zero;

    public static string Trigger(RequestTrigger trigger) => trigger switch
    {
        RequestTrigger.Acknowledge => "Acknowledge",
        RequestTrigger.RequestClarification => "Ask for clarification",
        RequestTrigger.AnswerClarification => "Answer the clarification",
        RequestTrigger.Produce => "Produce",
        RequestTrigger.ProducePartially => "Produce in part",
        RequestTrigger.Refuse => "Refuse",
        RequestTrigger.RaiseObjection => "Object",
        RequestTrigger.Withdraw => "Withdraw",
        RequestTrigger.ConfirmEmergency => "Confirm the emergency",
        RequestTrigger.RefuseEmergency => "Refuse the emergency",
        RequestTrigger.ApproveDirect => "Approve for the direct channel",
        RequestTrigger.SendToMlat => "Send to MLAT",
        RequestTrigger.Reject => "Reject",
        RequestTrigger.ExtendPreservation => "Extend preservation",
        RequestTrigger.ConvertToProduction => "Convert to a production order",
        RequestTrigger.Close => "Close",
        _ => Wire.Name(trigger),
    };

    /// <summary>Actions whose form asks for a text (question, answer, reason).</summary>
    public static bool NeedsText(RequestTrigger trigger) => trigger is RequestTrigger.RequestClarification or RequestTrigger.AnswerClarification
        or RequestTrigger.Refuse or RequestTrigger.RaiseObjection or RequestTrigger.Withdraw or RequestTrigger.RefuseEmergency
        or RequestTrigger.ApproveDirect or RequestTrigger.SendToMlat or RequestTrigger.Reject;

    public static string Action(string action) => action switch
    {
        "request.filed" => "Filed",
        "request.decided" => "Decided by the policy engine",
        _ => char.ToUpperInvariant(action.Replace("request.", "", StringComparison.Ordinal)[0])
             + action.Replace("request.", "", StringComparison.Ordinal)[1..].Replace('-', ' ').Replace('.', ' ').Replace('_', ' '),
    };
}
