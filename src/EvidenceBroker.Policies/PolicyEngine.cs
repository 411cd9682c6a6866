using System.Reflection;
using EvidenceBroker.Domain.Requests;
using static EvidenceBroker.Policies.RuleIndex;

namespace EvidenceBroker.Policies;

/// <summary>
/// Evaluates requests against a compiled pack. Pure and thread-safe: no clock, no I/O, no shared mutable state;
/// the same input and pack always give the same decision.
/// </summary>
public sealed class PolicyEngine
{
    /// <summary>This engine's build, recorded with every decision it makes (<see cref="Decision.Engine"/>).</summary>
    public static readonly string BuildVersion =
        typeof(PolicyEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private const int Traffic = 1 << (int)DataCategory.Traffic;
    private const int Content = 1 << (int)DataCategory.Content;
    private const int StoredCategories = (1 << (int)DataCategory.Subscriber) | (1 << (int)DataCategory.Identification) | Traffic | Content;

    private readonly PolicyPack pack;
    private readonly RuleTexts texts;

    public PolicyEngine(PolicyPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        this.pack = pack;
        texts = pack.Texts;
    }

    public PolicyPack Pack => pack;

    public Decision Evaluate(PolicyInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request;
        var date = input.EvaluationDate;
        var reasons = new RuleResult[PolicyPack.RuleCount];
        var t = texts;

        var categories = 0;
        var interception = false;
        for (var i = 0; i < request.DataCategories.Count; i++)
        {
            var category = request.DataCategories[i];
            if (category == DataCategory.Interception)
            {
                interception = true;
            }
            else
            {
                categories |= 1 << (int)category;
            }
        }

        var urgency = request.Urgency;
        var r = pack.IndexOf(request.RequestingCountry);
        var p = pack.IndexOf(input.ProviderJurisdiction);
        var requesting = r >= 0 ? pack.CountryEntries[r] : null;
        var provider = p >= 0 ? pack.CountryEntries[p] : null;
        var pair = requesting is not null && provider is not null ? pack.Pair(r, p) : null;

        // Channel: the one the officer named, else the most preferred one open for the pair that allows the
        // categories for this urgency; else the first one open (its R2/R12 failure then explains the MLAT).
        ChannelEntry? channel = null;
        LegalInstrument? evaluated = request.LegalInstrument;
        var namedMlat = request.LegalInstrument == LegalInstrument.Mlat;
        if (namedMlat)
        {
            reasons[C1] = t.NamedMlat[C1];
        }
        else if (pair is null)
        {
            reasons[C1] = t.C1UnknownCountry;
        }
        else if (request.LegalInstrument is { } named)
        {
            reasons[C1] = null!;
            foreach (var open in pair.Channels)
            {
                if (open.Channel.Instrument == named)
                {
                    if (date >= open.From)
                    {
                        channel = open.Channel;
                        reasons[C1] = open.C1Passed;
                    }
                    else
                    {
                        reasons[C1] = open.C1NotYet;
                    }
                }
            }

            reasons[C1] ??= NamedNotOpen(named);
        }
        else
        {
            var urgencyBit = 1 << (int)urgency;
            PairChannel? chosen = null, partial = null, otherUrgency = null, notYet = null;
            foreach (var open in pair.Channels)
            {
                if (date < open.From)
                {
                    notYet ??= open;
                    continue;
                }

                if ((open.Channel.UrgencyMask & urgencyBit) == 0)
                {
                    otherUrgency ??= open;
                    continue;
                }

                var allowed = urgency == Urgency.Emergency ? open.Channel.EmergencyCategoryMask : open.Channel.CategoryMask;
                if (categories != 0 && (categories & ~allowed) == 0)
                {
                    chosen = open;
                    break;
                }

                partial ??= open;
            }

            chosen ??= partial ?? otherUrgency;
            if (chosen is not null)
            {
                channel = chosen.Channel;
                evaluated = channel.Instrument;
                reasons[C1] = chosen.C1Passed;
            }
            else
            {
                reasons[C1] = notYet?.C1NotYet ?? pair.C1NoChannel;
                evaluated = notYet?.Channel.Instrument;
            }
        }

        // From here a request on a channel cites each rule's source for that channel's instrument, and one going by
        // MLAT the rule's source for that route.
        t = channel?.Texts ?? pack.MlatTexts;

        // Country eligibility (C2–C11) gates direct channels only.
        if (channel is null)
        {
            var skipped = namedMlat ? t.NamedMlat : request.LegalInstrument is not null ? t.NamedClosed : t.NotDirect;
            for (var i = 1; i <= C11; i++)
            {
                reasons[i] = skipped[i];
            }
        }
        else
        {
            var country = requesting!;
            for (var i = 0; i < RuleIndex.AssessedCriteria.Length; i++)
            {
                reasons[RuleIndex.AssessedCriteria[i]] = country.Criteria[i];
            }

            reasons[C8] = request.AgencyId is null ? t.C8NotEvaluated
                : country.Agencies.Contains(request.AgencyId) ? country.C8Passed : country.C8Failed;
            reasons[C10] = CheckReview(channel, country, provider!, pair!, date);
            reasons[C11] = input.Suspensions is { } suspensions && suspensions.IsSuspended(country.Code) ? country.C11Failed : country.C11Passed;
        }

        reasons[R1] = CheckIdentifiers(t, request.Identifiers, (categories & (1 << (int)DataCategory.Identification)) != 0);

        var trafficOrContent = (categories & (Traffic | Content)) != 0;
        if (channel is null)
        {
            var skipped = namedMlat ? t.NamedMlat : request.LegalInstrument is not null ? t.NamedClosed : t.NotDirect;
            reasons[R2] = skipped[R2];
            reasons[R3] = skipped[R3];
            reasons[R6] = skipped[R6];
            reasons[R12] = skipped[R12];
            reasons[R14] = skipped[R14];
        }
        else
        {
            var allowed = urgency == Urgency.Emergency ? channel.EmergencyCategoryMask : channel.CategoryMask;
            reasons[R2] = categories == 0 && !interception ? t.R2NoCategory
                : (categories & ~allowed & StoredCategories) == 0 ? channel.R2Passed : channel.R2Failed;

            reasons[R3] = CheckSeriousCrime(channel, request.Offence, urgency == Urgency.Preservation, trafficOrContent || interception);

            reasons[R6] = !channel.ForbidsTargetingProviderState ? t.R6NotApplicable : CheckTarget(t, request.Target, input.ProviderJurisdiction);

            var preservesOnly = channel.UrgencyMask == 1 << (int)Urgency.Preservation;
            reasons[R12] = urgency == Urgency.Preservation
                ? ((channel.UrgencyMask & (1 << (int)Urgency.Preservation)) != 0 ? channel.R12Passed : channel.R12NoPreservation)
                : preservesOnly ? channel.R12PreservationOnly : t.R12NotApplicable;

            reasons[R14] = !channel.NotifiesEnforcingState || !trafficOrContent || urgency == Urgency.Preservation ? t.R14NotApplicable
                : request.Target?.Residence is { } residence && string.Equals(residence, request.RequestingCountry, StringComparison.OrdinalIgnoreCase)
                    ? t.R14Resident : t.R14Notify;
        }

        var postHoc = false;
        reasons[R4] = CheckAuthority(t, request, trafficOrContent || interception, ref postHoc);
        reasons[R5] = CheckJustification(t, request);

        var onBehalf = false;
        var sensitive = false;
        var deathPenalty = false;
        for (var i = 0; i < request.Flags.Count; i++)
        {
            switch (request.Flags[i])
            {
                case SensitiveCircumstance.OnBehalfOfThirdState: onBehalf = true; break;
                case SensitiveCircumstance.DeathPenaltyPossible: deathPenalty = true; break;
                default: sensitive = true; break;
            }
        }

        reasons[R7] = onBehalf ? t.R7Failed : t.R7Passed;
        reasons[R8] = sensitive ? t.R8Failed : t.R8Passed;
        // A provider state the pack does not know is assumed to require assurances: the cautious reading.
        reasons[R9] = !deathPenalty ? t.R9Passed : provider is { DeathPenaltyAssurancesRequired: false } ? t.R9NoAssurances : t.R9Failed;
        reasons[R10] = interception ? t.R10Failed : t.R10Passed;
        reasons[R11] = urgency != Urgency.Emergency ? t.R11NotApplicable
            : string.IsNullOrWhiteSpace(request.EmergencyThreat) ? t.R11NoThreat
            : input.EmergencyConfirmedBySupervisor ? t.R11Passed : t.R11Unconfirmed;
        reasons[R13] = request.UseLimitsAcknowledged ? t.R13Passed : t.R13Failed;
        reasons[R15] = request.NonDisclosureUntil is not { } until ? t.R15Missing
            : until <= date ? t.R15Past
            : until.DayNumber - date.DayNumber > pack.Settings.MaxNonDisclosureDays ? t.R15TooLong // no date arithmetic to overflow near year 9999
            : t.R15Passed;

        // Precedence: rejected > mlat > human-review > direct (policies/README.md explains why).
        var outcome = Outcome.Direct;
        for (var i = 0; i < reasons.Length; i++)
        {
            var reason = reasons[i];
            if (reason.Status == RuleStatus.Failed && reason.OnFailure is { } effect && Severity(effect) > Severity(outcome))
            {
                outcome = effect;
            }
        }

        if (namedMlat && outcome != Outcome.Rejected)
        {
            outcome = Outcome.Mlat;
        }

        IReadOnlyList<Deadline> deadlines;
        IReadOnlyList<Notification> notifications = [];
        LegalInstrument routed;
        switch (outcome)
        {
            case Outcome.Direct or Outcome.HumanReview:
                routed = channel!.Instrument;
                var notify = reasons[R14] == t.R14Notify;
                deadlines = channel.Deadlines[((int)urgency * 4) + (postHoc ? 1 : 0) + (notify ? 2 : 0)];
                if (notify)
                {
                    notifications = provider!.EnforcingStateNotification;
                }

                break;
            case Outcome.Mlat:
                routed = LegalInstrument.Mlat;
                deadlines = pack.MlatDeadlines;
                break;
            default:
                routed = channel?.Instrument ?? evaluated ?? LegalInstrument.Mlat;
                deadlines = [];
                break;
        }

        var route = pair?.Route ?? pack.RouteFor(request.RequestingCountry, input.ProviderJurisdiction);
        return new Decision(outcome, routed, evaluated, reasons, deadlines, notifications, route, pack.Version, pack.Label, date)
        {
            Engine = BuildVersion,
        };
    }

    /// <summary>
    /// C10: the requesting state's entry, and the provider state's as well where the channel rests on it (domain.md §4:
    /// a stale entry is eligible for no direct channel).
    /// </summary>
    private static RuleResult CheckReview(ChannelEntry channel, CountryEntry requesting, CountryEntry provider, PairEntry pair, DateOnly date)
    {
        var requestingCurrent = date <= requesting.ReviewDue;
        if (!channel.ReliesOnProviderEntry || pair.Review is not { } review)
        {
            return requestingCurrent ? requesting.C10Passed : requesting.C10Failed;
        }

        return (requestingCurrent, date <= provider.ReviewDue) switch
        {
            (true, true) => review.BothCurrent,
            (true, false) => review.ProviderStale,
            (false, true) => requesting.C10Failed,
            (false, false) => review.BothStale,
        };
    }

    private static int Severity(Outcome outcome) => outcome switch
    {
        Outcome.Rejected => 3,
        Outcome.Mlat => 2,
        Outcome.HumanReview => 1,
        _ => 0,
    };

    private RuleResult NamedNotOpen(LegalInstrument named)
    {
        foreach (var entry in pack.ChannelEntries)
        {
            if (entry.Instrument == named)
            {
                return entry.C1NamedNotOpen;
            }
        }

        return texts.C1UnknownCountry;
    }

    private static RuleResult CheckIdentifiers(RuleTexts t, IReadOnlyList<Identifier> identifiers, bool identification)
    {
        if (identifiers.Count == 0)
        {
            return t.R1None;
        }

        for (var i = 0; i < identifiers.Count; i++)
        {
            if (Bulk(t, identifiers[i], identification) is { } bulk)
            {
                return bulk;
            }
        }

        return t.R1Passed;
    }

    /// <summary>Why an identifier selects many people rather than one, or null if it is specific.</summary>
    private static RuleResult? Bulk(RuleTexts t, Identifier identifier, bool identification)
    {
        var value = identifier.Value.AsSpan().Trim();
        if (value.IsEmpty || value.IndexOfAny('*', '?', '%') >= 0)
        {
            return t.R1Bulk;
        }

        if (value.Equals("all", StringComparison.OrdinalIgnoreCase) || value.Equals("any", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("all ", StringComparison.OrdinalIgnoreCase))
        {
            return t.R1Bulk;
        }

        switch (identifier.Type)
        {
            // An address range (CIDR or first-last) selects everyone behind it, not a user.
            case IdentifierType.Ip when value.IndexOfAny('/', '-') >= 0:
                return t.R1IpRange;

            // Identification means IP and time (domain.md §3): without the time a shared address (carrier NAT, a
            // café) matches every user behind it.
            case IdentifierType.Ip when identification && (identifier.From is null || identifier.To is null):
                return t.R1IpWithoutTime;

            // A domain alone ("@example.com", "example.com") selects every mailbox there.
            case IdentifierType.Email when value.LastIndexOf('@') <= 0:
                return t.R1EmailDomain;

            default:
                return null;
        }
    }

    private RuleResult CheckSeriousCrime(ChannelEntry channel, Offence offence, bool preservation, bool trafficOrContent)
    {
        if (!channel.SeriousCrimeForEveryRequest)
        {
            if (preservation)
            {
                return channel.R3Preservation;
            }

            if (!trafficOrContent)
            {
                return channel.R3NonContent;
            }
        }

        return channel.ListedOffenceSuffices && offence.ListedOffence ? channel.R3Listed
            : offence.MaxPenaltyYears >= pack.Settings.SeriousCrimeMinPenaltyYears ? channel.R3Serious
            : channel.R3Failed;
    }

    private static RuleResult CheckTarget(RuleTexts t, Target? target, string provider)
    {
        if (target is null || (target.Nationality is null && target.Residence is null && target.LocatedIn is null))
        {
            return t.R6Unknown;
        }

        return Is(target.Nationality, provider) || Is(target.Residence, provider) || Is(target.LocatedIn, provider) ? t.R6Failed : t.R6Passed;

        static bool Is(string? code, string provider) => code is not null && string.Equals(code, provider, StringComparison.OrdinalIgnoreCase);
    }

    private static RuleResult CheckAuthority(RuleTexts t, RequestContent request, bool needsJudge, ref bool postHoc)
    {
        var issuer = request.IssuingAuthority.Type;
        var validator = request.ValidatedBy?.Type;
        var preservation = request.Urgency == Urgency.Preservation;

        if (IsJudicial(issuer))
        {
            return t.R4Judicial;
        }

        if (preservation || !needsJudge)
        {
            // Subscriber/identification data and preservation of any category: a prosecutor suffices (EU Art. 4(1)(b), 4(3)).
            if (issuer == AuthorityType.Prosecutor)
            {
                return t.R4Prosecutor;
            }

            if (validator is { } v && (IsJudicial(v) || v == AuthorityType.Prosecutor))
            {
                return t.R4Validated;
            }
        }
        else if (validator is { } v && IsJudicial(v))
        {
            return t.R4Validated;
        }

        // Art. 4(5): in an emergency a competent authority may issue first; validation follows within 48 hours.
        if (request.Urgency == Urgency.Emergency && issuer != AuthorityType.Other)
        {
            postHoc = true;
            return needsJudge ? t.R4PostHocJudge : t.R4PostHocProsecutor;
        }

        return preservation ? t.R4NeedsProsecutorPreservation : needsJudge ? t.R4NeedsJudge : t.R4NeedsProsecutor;

        static bool IsJudicial(AuthorityType type) =>
            type is AuthorityType.Judge or AuthorityType.Court or AuthorityType.InvestigatingJudge;
    }

    private RuleResult CheckJustification(RuleTexts t, RequestContent request)
    {
        var justification = request.Justification.AsSpan().Trim();
        if (justification.Length < pack.Settings.JustificationMinLength)
        {
            return t.R5Short;
        }

        if (request.TimeRange is not { } range)
        {
            return t.R5NoRange;
        }

        if (range.To <= range.From)
        {
            return t.R5Inverted;
        }

        return (range.To - range.From).TotalDays > pack.Settings.MaxTimeRangeDays ? t.R5TooLong : t.R5Passed;
    }
}
