using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies;

// The pack as written in its files, after schema validation and before compilation. Kept apart from the
// compiled tables so that cross-file checks can report the line where the offending value was written.

internal sealed record PackSettings(
    string Label,
    DateOnly EffectiveFrom,
    bool Illustrative,
    int ReviewIntervalYears,
    int SeriousCrimeMinPenaltyYears,
    int JustificationMinLength,
    int MaxTimeRangeDays,
    int MaxNonDisclosureDays,
    IReadOnlyList<(string Group, string Basis)> SharedMemberships,
    string NoTreatyBasis);

/// <summary>
/// A rule as rules.yaml states it. <paramref name="ChannelSources"/> names the law a rule rests on where a channel's
/// instrument differs from <paramref name="Source"/> (e.g. a CLOUD Act agreement rather than the EU Regulation), and, under
/// <see cref="LegalInstrument.Mlat"/>, on the MLAT route.
/// </summary>
internal sealed record RuleDefinition(string Id, string Title, string Source, Outcome? OnFailure, IReadOnlyDictionary<LegalInstrument, string> ChannelSources)
{
    public string SourceOn(LegalInstrument? channel) =>
        channel is { } instrument && ChannelSources.TryGetValue(instrument, out var source) ? source : Source;
}

internal sealed record PairDefinition(string A, string B, DateOnly InForceFrom, string? Source);

internal sealed record ChannelDefinition(
    LegalInstrument Instrument,
    string Name,
    string Source,
    DateOnly? InForceFrom,
    string? Among,
    IReadOnlyList<PairDefinition> Pairs,
    bool FromAny,
    IReadOnlyList<string> To,
    int CategoryMask,
    int EmergencyCategoryMask,
    int UrgencyMask,
    bool NotifiesEnforcingState,
    bool ForbidsTargetingProviderState,
    IReadOnlyList<DataCategory> Categories,
    IReadOnlyList<Urgency> Urgencies,
    SeriousCrimeDefinition SeriousCrime,
    bool ReliesOnProviderEntry);

/// <summary>
/// R3 as the channel's instrument sets it: whether serious crime is needed for every request (the CLOUD Act
/// agreements) or only for traffic and content production (EU Art. 5(4)), and whether a listed offence stands in.
/// </summary>
/// <summary>R3 for one channel. <paramref name="Stated"/> is false for a pack written before channels stated it.</summary>
internal sealed record SeriousCrimeDefinition(bool EveryRequest, bool ListedOffenceSuffices, string Source, bool Stated = true);

internal sealed record DeadlineDefinition(
    DeadlineKind Kind,
    LegalInstrument? Channel,
    Urgency? Urgency,
    int Amount,
    DeadlineUnit Unit,
    string Source,
    bool BrokerDefault);

internal sealed record CriterionDefinition(bool Met, string Source, DateOnly AssessedOn, string? Note, bool Illustrative);

internal sealed record TreatyDefinition(IReadOnlyList<string> With, string Basis);

internal sealed record CountryDefinition(
    string Code,
    string Name,
    bool Illustrative,
    DateOnly ReviewedOn,
    IReadOnlyList<string> Memberships,
    bool DeathPenaltyAssurancesRequired,
    IReadOnlyDictionary<string, CriterionDefinition> Criteria,
    IReadOnlyList<AgencyInfo> Agencies,
    string CentralAuthority,
    IReadOnlyList<TreatyDefinition> Treaties);

internal static class PackVocabulary
{
    public const string Eu = "eu";
    public const string EuEvidence = "eu-e-evidence";
    public const string EuEio = "eu-eio";

    public static readonly string[] Memberships = [Eu, EuEvidence, EuEio, "cets185", "cets224"];

    /// <summary>The criteria a country file assesses; C1, C8, C10 and C11 come from channels, agencies, dates and the operator.</summary>
    public static readonly string[] AssessedCriteria = ["C2", "C3", "C4", "C5", "C6", "C7", "C9"];

    /// <summary>Every rule, in the order reasons are listed.</summary>
    public static readonly string[] Rules =
    [
        "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11",
        "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
    ];
}
