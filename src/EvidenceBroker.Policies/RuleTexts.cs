using System.Globalization;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies;

/// <summary>
/// Every generic rule result a decision can carry, built once per pack and once more per channel (sources and failure
/// effects come from rules.yaml; a channel's set cites the rule's source for that channel), so that evaluation
/// allocates nothing but the reasons array and the decision.
/// </summary>
internal sealed class RuleTexts
{
    private readonly PolicyPack pack;
    private readonly LegalInstrument? channel;

    public RuleTexts(PolicyPack pack, LegalInstrument? channel = null)
    {
        this.pack = pack;
        this.channel = channel;
        var settings = pack.Settings;

        NotDirect = new RuleResult[PolicyPack.RuleCount];
        NamedMlat = new RuleResult[PolicyPack.RuleCount];
        NamedClosed = new RuleResult[PolicyPack.RuleCount];
        for (var i = 0; i < PolicyPack.RuleCount; i++)
        {
            NotDirect[i] = Make(i, RuleStatus.NotApplicable, "No direct channel is open for this request, so this direct-channel condition does not apply.");
            NamedMlat[i] = Make(i, RuleStatus.NotApplicable, "The officer chose MLAT, so this direct-channel condition does not apply.");
            NamedClosed[i] = Make(i, RuleStatus.NotApplicable, "The instrument the officer named is not open for this request, so this direct-channel condition does not apply.");
        }

        C1UnknownCountry = Make(RuleIndex.C1, RuleStatus.Failed, "The requesting state or the provider's state has no entry in the pack; no direct channel is open.");
        C8NotEvaluated = Make(RuleIndex.C8, RuleStatus.NotEvaluated, "No agency given (dry run): the register of competent authorities was not checked.");
        NoEntry = new RuleResult[PolicyPack.RuleCount];
        foreach (var id in PackVocabulary.AssessedCriteria)
        {
            var i = Array.IndexOf(PackVocabulary.Rules, id);
            NoEntry[i] = Make(i, RuleStatus.Failed, "The requesting state has no entry in the pack, hence no assessment.");
        }

        R1Passed = Make(RuleIndex.R1, RuleStatus.Passed, "Every identifier is a specific selector.");
        R1None = Make(RuleIndex.R1, RuleStatus.Failed, "No identifier: a request must name at least one specific selector (email, phone, account, IP, device or URL).");
        R1Bulk = Make(RuleIndex.R1, RuleStatus.Failed, "An identifier is empty, a wildcard (*, ?, %) or 'all'/'any': bulk selectors are refused. Name specific selectors.");
        R1IpRange = Make(RuleIndex.R1, RuleStatus.Failed, "An IP identifier is an address range (such as 198.51.100.0/24 or 198.51.100.0-198.51.100.255), which selects everyone behind it: name single addresses.");
        R1EmailDomain = Make(RuleIndex.R1, RuleStatus.Failed, "An email identifier is only a domain (such as @example.com or example.com), which selects every mailbox there: name full addresses (name@example.com).");
        R1IpWithoutTime = Make(RuleIndex.R1, RuleStatus.Failed, "Identification data for an IP address need the time it was used, since a shared address matches many users: give the identifier's from and to.");

        R2NoCategory = Make(RuleIndex.R2, RuleStatus.Failed, "No stored data category asked for; a direct channel needs at least one of subscriber, identification, traffic or content.");


        R4Judicial = Make(RuleIndex.R4, RuleStatus.Passed, "Issued by a judge, court or investigating judge.");
        R4Prosecutor = Make(RuleIndex.R4, RuleStatus.Passed, "Issued by a prosecutor, which suffices for subscriber/identification data and for preservation.");
        R4Validated = Make(RuleIndex.R4, RuleStatus.Passed, "Issued by another authority and validated by a competent judicial authority.");
        R4PostHocJudge = Make(RuleIndex.R4, RuleStatus.Passed, "Emergency order issued without prior validation: a judge or court must validate it within 48 hours.");
        R4PostHocProsecutor = Make(RuleIndex.R4, RuleStatus.Passed, "Emergency order issued without prior validation: a judge, court or prosecutor must validate it within 48 hours (subscriber or identification data).");
        R4NeedsJudge = Make(RuleIndex.R4, RuleStatus.Failed, "Traffic or content production must be issued or validated by a judge, court or investigating judge; this order is not.");
        R4NeedsProsecutor = Make(RuleIndex.R4, RuleStatus.Failed, "Subscriber or identification data need an order by a judge, court or prosecutor, or validation by one; this order has neither.");
        R4NeedsProsecutorPreservation = Make(RuleIndex.R4, RuleStatus.Failed, "Preservation needs an order by a judge, court or prosecutor, or validation by one; this order has neither.");

        var minLength = settings.JustificationMinLength.ToString(CultureInfo.InvariantCulture);
        var maxDays = settings.MaxTimeRangeDays.ToString(CultureInfo.InvariantCulture);
        R5Passed = Make(RuleIndex.R5, RuleStatus.Passed, "A justification is stated and the time range is bounded.");
        R5Short = Make(RuleIndex.R5, RuleStatus.Failed, $"The justification is shorter than {minLength} characters: state the articulable facts linking the identifiers to the offence.");
        R5NoRange = Make(RuleIndex.R5, RuleStatus.Failed, "No time range: the data wanted must be bounded by a start and an end.");
        R5Inverted = Make(RuleIndex.R5, RuleStatus.Failed, "The time range ends before it starts.");
        R5TooLong = Make(RuleIndex.R5, RuleStatus.Failed, $"The time range is longer than {maxDays} days; narrow it to the period the facts support.");

        R6NotApplicable = Make(RuleIndex.R6, RuleStatus.NotApplicable, "The channel does not restrict whose data may be asked for.");
        R6Passed = Make(RuleIndex.R6, RuleStatus.Passed, "The target is not known to be a national or resident of, or located in, the provider's state.");
        R6Unknown = Make(RuleIndex.R6, RuleStatus.Passed, "Nothing is known of the target's nationality, residence or location that links them to the provider's state.");
        R6Failed = Make(RuleIndex.R6, RuleStatus.Failed, "The target is a national or resident of, or located in, the provider's state; the agreement forbids targeting that state's persons.");

        R7Passed = Make(RuleIndex.R7, RuleStatus.Passed, "Not made on behalf of a third state.");
        R7Failed = Make(RuleIndex.R7, RuleStatus.Failed, "Made on behalf of a third state: only the state-to-state route may serve a third state.");

        R8Passed = Make(RuleIndex.R8, RuleStatus.Passed, "No press, political, privileged or immunity circumstances flagged.");
        R8Failed = Make(RuleIndex.R8, RuleStatus.Failed, "Press, political, privileged or immunity circumstances flagged: a person must review the request.");

        R9Passed = Make(RuleIndex.R9, RuleStatus.Passed, "The death penalty is not flagged as possible.");
        R9NoAssurances = Make(RuleIndex.R9, RuleStatus.Passed, "The death penalty is flagged as possible, but the provider's state does not require assurances.");
        R9Failed = Make(RuleIndex.R9, RuleStatus.Failed, "The death penalty is possible and the provider's state requires assurances: a person must review the request.");

        R10Passed = Make(RuleIndex.R10, RuleStatus.Passed, "No real-time interception asked for.");
        R10Failed = Make(RuleIndex.R10, RuleStatus.Failed, "Real-time interception is never available on a direct channel; it needs MLAT.");

        R11NotApplicable = Make(RuleIndex.R11, RuleStatus.NotApplicable, "Not an emergency.");
        R11NoThreat = Make(RuleIndex.R11, RuleStatus.Failed, "Emergency without a stated threat to life, physical integrity or critical infrastructure: a person must review it.");
        R11Unconfirmed = Make(RuleIndex.R11, RuleStatus.Failed, "Emergency awaiting confirmation by a supervisor of the agency through a second channel: held for review until confirmed.");
        R11Passed = Make(RuleIndex.R11, RuleStatus.Passed, "Emergency: threat stated and confirmed by a supervisor.");

        R12NotApplicable = Make(RuleIndex.R12, RuleStatus.NotApplicable, "Not a preservation request.");

        R13Passed = Make(RuleIndex.R13, RuleStatus.Passed, "The use limits are acknowledged: no onward transfer to third states without consent.");
        R13Failed = Make(RuleIndex.R13, RuleStatus.Failed, "The use limits are not acknowledged: the issuing authority must accept that data are not transferred to third states without consent.");

        R14NotApplicable = Make(RuleIndex.R14, RuleStatus.NotApplicable, "No notification duty: not an EU production order for traffic or content data.");
        R14Resident = Make(RuleIndex.R14, RuleStatus.Passed, "The target resides in the issuing state: no enforcing-state notification is needed.");
        R14Notify = Make(RuleIndex.R14, RuleStatus.Passed, "The target is not known to reside in the issuing state: the enforcing state's authority is notified.");

        var maxNonDisclosure = settings.MaxNonDisclosureDays.ToString(CultureInfo.InvariantCulture);
        R15Passed = Make(RuleIndex.R15, RuleStatus.Passed, "A bounded non-disclosure period is stated.");
        R15Missing = Make(RuleIndex.R15, RuleStatus.Failed, "No non-disclosure date: state until when the provider must not notify the user.");
        R15Past = Make(RuleIndex.R15, RuleStatus.Failed, "The non-disclosure date is not after the evaluation date.");
        R15TooLong = Make(RuleIndex.R15, RuleStatus.Failed, $"The non-disclosure period exceeds {maxNonDisclosure} days; shorten it or renew it later.");
    }

    public RuleResult[] NotDirect { get; }
    public RuleResult[] NamedMlat { get; }

    /// <summary>The officer named an instrument not open for the request: another may be (C1 says so), so not "no channel".</summary>
    public RuleResult[] NamedClosed { get; }
    public RuleResult[] NoEntry { get; }
    public RuleResult C1UnknownCountry { get; }
    public RuleResult C8NotEvaluated { get; }
    public RuleResult R1Passed { get; }
    public RuleResult R1None { get; }
    public RuleResult R1Bulk { get; }
    public RuleResult R1IpRange { get; }
    public RuleResult R1EmailDomain { get; }
    public RuleResult R1IpWithoutTime { get; }
    public RuleResult R2NoCategory { get; }
    public RuleResult R4Judicial { get; }
    public RuleResult R4Prosecutor { get; }
    public RuleResult R4Validated { get; }
    public RuleResult R4PostHocJudge { get; }
    public RuleResult R4PostHocProsecutor { get; }
    public RuleResult R4NeedsJudge { get; }
    public RuleResult R4NeedsProsecutor { get; }
    public RuleResult R4NeedsProsecutorPreservation { get; }
    public RuleResult R5Passed { get; }
    public RuleResult R5Short { get; }
    public RuleResult R5NoRange { get; }
    public RuleResult R5Inverted { get; }
    public RuleResult R5TooLong { get; }
    public RuleResult R6NotApplicable { get; }
    public RuleResult R6Passed { get; }
    public RuleResult R6Unknown { get; }
    public RuleResult R6Failed { get; }
    public RuleResult R7Passed { get; }
    public RuleResult R7Failed { get; }
    public RuleResult R8Passed { get; }
    public RuleResult R8Failed { get; }
    public RuleResult R9Passed { get; }
    public RuleResult R9NoAssurances { get; }
    public RuleResult R9Failed { get; }
    public RuleResult R10Passed { get; }
    public RuleResult R10Failed { get; }
    public RuleResult R11NotApplicable { get; }
    public RuleResult R11NoThreat { get; }
    public RuleResult R11Unconfirmed { get; }
    public RuleResult R11Passed { get; }
    public RuleResult R12NotApplicable { get; }
    public RuleResult R13Passed { get; }
    public RuleResult R13Failed { get; }
    public RuleResult R14NotApplicable { get; }
    public RuleResult R14Resident { get; }
    public RuleResult R14Notify { get; }
    public RuleResult R15Passed { get; }
    public RuleResult R15Missing { get; }
    public RuleResult R15Past { get; }
    public RuleResult R15TooLong { get; }

    public string Title(int rule) => pack.RuleDefinitions[rule].Title;

    public RuleResult Make(int rule, RuleStatus status, string message, string? source = null)
    {
        var definition = pack.RuleDefinitions[rule];
        return new RuleResult(definition.Id, status, message, source ?? definition.SourceOn(channel), definition.OnFailure);
    }
}
