using System.Text.Json.Serialization;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies;

/// <summary>What the evaluation of one rule found.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleStatus>))]
public enum RuleStatus
{
    [JsonStringEnumMemberName("passed")] Passed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("not-applicable")] NotApplicable,
    /// <summary>The input lacks what the rule needs (e.g. no agency in a dry run); it does not block.</summary>
    [JsonStringEnumMemberName("not-evaluated")] NotEvaluated,
}

[JsonConverter(typeof(JsonStringEnumConverter<DeadlineKind>))]
public enum DeadlineKind
{
    [JsonStringEnumMemberName("response")] Response,
    [JsonStringEnumMemberName("preservation")] Preservation,
    [JsonStringEnumMemberName("preservation-extension")] PreservationExtension,
    [JsonStringEnumMemberName("post-hoc-validation")] PostHocValidation,
    [JsonStringEnumMemberName("enforcing-state-objection")] EnforcingStateObjection,
    [JsonStringEnumMemberName("mlat-planning")] MlatPlanning,
}

[JsonConverter(typeof(JsonStringEnumConverter<DeadlineUnit>))]
public enum DeadlineUnit
{
    [JsonStringEnumMemberName("hours")] Hours,
    [JsonStringEnumMemberName("days")] Days,
    [JsonStringEnumMemberName("months")] Months,
}

[JsonConverter(typeof(JsonStringEnumConverter<NotificationKind>))]
public enum NotificationKind
{
    /// <summary>R14: the enforcing state's authority receives a copy of the order.</summary>
    [JsonStringEnumMemberName("enforcing-state")] EnforcingState,
}

/// <summary>The result of one rule: every decision carries one for each of C1–C11 and R1–R15.</summary>
public sealed record RuleResult(
    string Rule,
    RuleStatus Status,
    string Message,
    string Source,
    [property: JsonConverter(typeof(JsonStringEnumConverter<Outcome>))] Outcome? OnFailure);

/// <summary>
/// A deadline counted from receipt. Months are kept as months (not days) because the MLAT planning figure
/// is a calendar figure; <see cref="DueFrom"/> does the calendar arithmetic.
/// </summary>
public sealed record Deadline(DeadlineKind Kind, int Amount, DeadlineUnit Unit, string Duration, string Source, bool BrokerDefault)
{
    public DateTimeOffset DueFrom(DateTimeOffset receivedAt) => Unit switch
    {
        DeadlineUnit.Hours => receivedAt.AddHours(Amount),
        DeadlineUnit.Days => receivedAt.AddDays(Amount),
        _ => receivedAt.AddMonths(Amount),
    };
}

/// <summary>A duty to notify someone when the request is sent (R14).</summary>
public sealed record Notification(NotificationKind Kind, string Country, string Message, string Source);

/// <summary>The state-to-state route a request takes when no direct channel is open.</summary>
public sealed record MlatRoute(
    string RequestingState,
    string RequestedState,
    string? RequestingCentralAuthority,
    string? RequestedCentralAuthority,
    string TreatyBasis);

/// <summary>A registered competent authority of a country (C8).</summary>
public sealed record AgencyInfo(string Id, string Name, string Country);

/// <summary>A country of the pack as other components need it (listing, seeding, display).</summary>
public sealed record CountryInfo(
    string Code,
    string Name,
    bool EuMember,
    bool BoundByEuEvidenceRegulation,
    bool Illustrative,
    DateOnly ReviewedOn,
    DateOnly ReviewDue,
    IReadOnlyList<string> Memberships,
    IReadOnlyList<AgencyInfo> Agencies,
    string? MlatCentralAuthority);

/// <summary>A channel of the pack (channels.yaml) as other components need it.</summary>
public sealed record ChannelInfo(
    [property: JsonConverter(typeof(JsonStringEnumConverter<LegalInstrument>))] LegalInstrument Instrument,
    string Name,
    string Source,
    IReadOnlyList<DataCategory> Categories,
    IReadOnlyList<Urgency> Urgencies);

/// <summary>An error in a pack file; Line is 1-based, 0 when the error concerns a whole file or the pack.</summary>
public sealed record PackError(string File, int Line, string Field, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Field}: {Message}" : $"{File}: {Field}: {Message}";
}

/// <summary>Either a complete pack and no errors, or no pack and every error found: never half a pack.</summary>
public sealed record PolicyPackLoadResult(PolicyPack? Pack, IReadOnlyList<PackError> Errors)
{
    public bool Succeeded => Pack is not null;
}

/// <summary>
/// C11: the operator's instant switch. The server owns the switch (with reason and audit); the engine only
/// asks, so the pack stays immutable and a stored decision replays with the suspensions it was made under.
/// </summary>
public interface ICountrySuspensions
{
    bool IsSuspended(string countryCode);
}

/// <summary>An immutable set of suspended countries, for callers that hold the switch as a list.</summary>
public sealed class CountrySuspensions : ICountrySuspensions
{
    private readonly HashSet<string> codes;

    public CountrySuspensions(IEnumerable<string> countryCodes)
    {
        codes = new HashSet<string>(countryCodes, StringComparer.OrdinalIgnoreCase);
    }

    public static CountrySuspensions None { get; } = new([]);

    public IReadOnlyCollection<string> Codes => codes;

    public bool IsSuspended(string countryCode) => codes.Contains(countryCode);
}

/// <summary>
/// Everything a decision depends on. The evaluation date is an input (the engine never reads a clock) so a
/// stored decision replays identically.
/// </summary>
public sealed record PolicyInput(RequestContent Request, string ProviderJurisdiction, DateOnly EvaluationDate)
{
    /// <summary>C11: countries the operator has suspended; null means none.</summary>
    public ICountrySuspensions? Suspensions { get; init; }

    /// <summary>R11: a supervisor of the agency confirmed the emergency by a second channel.</summary>
    public bool EmergencyConfirmedBySupervisor { get; init; }
}

/// <summary>The engine's answer for one request.</summary>
public sealed record Decision(
    [property: JsonConverter(typeof(JsonStringEnumConverter<Outcome>))] Outcome Outcome,
    [property: JsonConverter(typeof(JsonStringEnumConverter<LegalInstrument>))] LegalInstrument Channel,
    [property: JsonConverter(typeof(JsonStringEnumConverter<LegalInstrument>))] LegalInstrument? EvaluatedChannel,
    IReadOnlyList<RuleResult> Reasons,
    IReadOnlyList<Deadline> Deadlines,
    IReadOnlyList<Notification> Notifications,
    MlatRoute MlatRoute,
    string PolicyVersion,
    string PolicyLabel,
    DateOnly EvaluatedOn)
{
    /// <summary>
    /// The build of the engine that applied the pack ("1.0.0+" and its commit). The pack's version names the rules as
    /// written; this names the code that read them, so a decision replayed under later code can be told apart. Null in
    /// decisions made before it was recorded.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Engine { get; init; }

    /// <summary>
    /// The rules whose failure produced the outcome. Computed on read so the hot path does not pay for it.
    /// </summary>
    public IReadOnlyList<string> Deciding
    {
        get
        {
            var deciding = new List<string>();
            foreach (var reason in Reasons)
            {
                if (reason.Status == RuleStatus.Failed && reason.OnFailure == Outcome)
                {
                    deciding.Add(reason.Rule);
                }
            }

            return deciding;
        }
    }

    public RuleResult Reason(string rule)
    {
        foreach (var reason in Reasons)
        {
            if (reason.Rule == rule)
            {
                return reason;
            }
        }

        throw new ArgumentException($"No reason for rule '{rule}'.", nameof(rule));
    }
}
