using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using RulesEngine.Models;

namespace EvidenceBroker.Benchmarks;

/// <summary>The facts the rules read that come from the pack rather than the request (the same lookups the engine does).</summary>
public sealed class Facts
{
    public bool HasChannel { get; set; }
    public bool C2 { get; set; }
    public bool C3 { get; set; }
    public bool C4 { get; set; }
    public bool C5 { get; set; }
    public bool C6 { get; set; }
    public bool C7 { get; set; }
    public bool C9 { get; set; }
    public bool AgencyRegistered { get; set; }
    public DateOnly ReviewDue { get; set; }
    /// <summary>C10 on a channel that rests on the provider state's entry (reliesOnProviderEntry); else never due.</summary>
    public DateOnly ProviderReviewDue { get; set; } = DateOnly.MaxValue;
    public bool Suspended { get; set; }
    public bool WantsSubscriber { get; set; }
    public bool WantsIdentification { get; set; }
    public bool WantsTraffic { get; set; }
    public bool WantsContent { get; set; }
    public bool WantsInterception { get; set; }
    public bool AllowsSubscriber { get; set; }
    public bool AllowsIdentification { get; set; }
    public bool AllowsTraffic { get; set; }
    public bool AllowsContent { get; set; }
    public bool AllowsPreservation { get; set; }
    public bool PreservesOnly { get; set; }
    public bool ForbidsTargeting { get; set; }
    public bool NotifiesEnforcingState { get; set; }
    public bool AssurancesRequired { get; set; }
    /// <summary>R3 as the channel's instrument sets it (channels.yaml seriousCrime).</summary>
    public bool SeriousCrimeForEveryRequest { get; set; }
    public bool ListedOffenceSuffices { get; set; }
    public string Provider { get; set; } = "";
    public string RequestingCountry { get; set; } = "";
    // pack.yaml settings, so that the rules follow the pack as the engine does.
    public int SeriousCrimeMinPenaltyYears { get; set; }
    public int JustificationMinLength { get; set; }
    public int MaxTimeRangeDays { get; set; }
    public int MaxNonDisclosureDays { get; set; }
}

/// <summary>The same checks as the compiled engine, written as RulesEngine lambda-expression rules.</summary>
internal sealed class RulesEngineBaseline
{
    private const string Judicial = "(x == AuthorityType.Judge || x == AuthorityType.Court || x == AuthorityType.InvestigatingJudge)";

    private static readonly (string Rule, string Expression, Outcome? OnFailure)[] Rules =
    [
        ("C1", "f.HasChannel", Outcome.Mlat),
        ("C2", "!f.HasChannel || f.C2", Outcome.Mlat),
        ("C3", "!f.HasChannel || f.C3", Outcome.Mlat),
        ("C4", "!f.HasChannel || f.C4", Outcome.Mlat),
        ("C5", "!f.HasChannel || f.C5", Outcome.Mlat),
        ("C6", "!f.HasChannel || f.C6", Outcome.Mlat),
        ("C7", "!f.HasChannel || f.C7", Outcome.Mlat),
        ("C8", "!f.HasChannel || r.AgencyId == null || f.AgencyRegistered", Outcome.Mlat),
        ("C9", "!f.HasChannel || f.C9", Outcome.Mlat),
        ("C10", "!f.HasChannel || (i.EvaluationDate <= f.ReviewDue && i.EvaluationDate <= f.ProviderReviewDue)", Outcome.Mlat),
        ("C11", "!f.HasChannel || !f.Suspended", Outcome.Mlat),
        // R1: a specific selector each; refused as bulk: empty, wildcard, all/any, an IP range (CIDR or first-last), an
        // email that is only a domain, and for identification data an IP without the from and to of its use.
        ("R1", "r.Identifiers.Count > 0 && !r.Identifiers.Any(Value.Trim() == \"\" || Value.Contains(\"*\") || Value.Contains(\"?\") || Value.Contains(\"%\")"
            + " || Value.Trim().ToLower() == \"all\" || Value.Trim().ToLower() == \"any\" || Value.Trim().ToLower().StartsWith(\"all \")"
            + " || (Type == IdentifierType.Ip && (Value.Contains(\"/\") || Value.Contains(\"-\")))"
            + " || (Type == IdentifierType.Ip && f.WantsIdentification && (From == null || To == null))"
            + " || (Type == IdentifierType.Email && Value.Trim().LastIndexOf(\"@\") <= 0))", Outcome.Rejected),
        ("R2", "!f.HasChannel || ((f.WantsSubscriber || f.WantsIdentification || f.WantsTraffic || f.WantsContent || f.WantsInterception) && (!f.WantsSubscriber || f.AllowsSubscriber) && (!f.WantsIdentification || f.AllowsIdentification) && (!f.WantsTraffic || f.AllowsTraffic) && (!f.WantsContent || f.AllowsContent))", Outcome.Mlat),
        // R3 per channel: the agreements hold every request to the penalty and have no list; the EU rule (and the
        // broker's default elsewhere) only traffic and content production, where a listed offence stands in.
        ("R3", "!f.HasChannel || (!f.SeriousCrimeForEveryRequest && (r.Urgency == Urgency.Preservation || !(f.WantsTraffic || f.WantsContent || f.WantsInterception)))"
            + " || (f.ListedOffenceSuffices && r.Offence.ListedOffence) || r.Offence.MaxPenaltyYears >= f.SeriousCrimeMinPenaltyYears", Outcome.Mlat),
        ("R4", ("J(r.IssuingAuthority.Type) || ((r.Urgency == Urgency.Preservation || !(f.WantsTraffic || f.WantsContent || f.WantsInterception)) && (r.IssuingAuthority.Type == AuthorityType.Prosecutor || (r.ValidatedBy != null && r.ValidatedBy.Type == AuthorityType.Prosecutor))) || (r.ValidatedBy != null && J(r.ValidatedBy.Type)) || (r.Urgency == Urgency.Emergency && r.IssuingAuthority.Type != AuthorityType.Other)")
            .Replace("J(r.IssuingAuthority.Type)", Judicial.Replace("x", "r.IssuingAuthority.Type", StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("J(r.ValidatedBy.Type)", Judicial.Replace("x", "r.ValidatedBy.Type", StringComparison.Ordinal), StringComparison.Ordinal), Outcome.Rejected),
        ("R5", "r.Justification.Trim().Length >= f.JustificationMinLength && r.TimeRange != null && r.TimeRange.To > r.TimeRange.From && r.TimeRange.From.AddDays(f.MaxTimeRangeDays) >= r.TimeRange.To", Outcome.Rejected),
        ("R6", "!f.HasChannel || !f.ForbidsTargeting || r.Target == null || ((r.Target.Nationality == null || r.Target.Nationality.ToUpper() != f.Provider) && (r.Target.Residence == null || r.Target.Residence.ToUpper() != f.Provider) && (r.Target.LocatedIn == null || r.Target.LocatedIn.ToUpper() != f.Provider))", Outcome.Mlat),
        ("R7", "!r.Flags.Contains(SensitiveCircumstance.OnBehalfOfThirdState)", Outcome.Mlat),
        ("R8", "!r.Flags.Any(it == SensitiveCircumstance.Press || it == SensitiveCircumstance.Political || it == SensitiveCircumstance.Privileged || it == SensitiveCircumstance.Immunity)", Outcome.HumanReview),
        ("R9", "!r.Flags.Contains(SensitiveCircumstance.DeathPenaltyPossible) || !f.AssurancesRequired", Outcome.HumanReview),
        ("R10", "!f.WantsInterception", Outcome.Mlat),
        ("R11", "r.Urgency != Urgency.Emergency || (r.EmergencyThreat != null && r.EmergencyThreat.Trim() != \"\" && i.EmergencyConfirmedBySupervisor)", Outcome.HumanReview),
        ("R12", "!f.HasChannel || (r.Urgency == Urgency.Preservation && f.AllowsPreservation) || (r.Urgency != Urgency.Preservation && !f.PreservesOnly)", Outcome.Mlat),
        ("R13", "r.UseLimitsAcknowledged", Outcome.Rejected),
        ("R14", "f.HasChannel && f.NotifiesEnforcingState && (f.WantsTraffic || f.WantsContent) && r.Urgency != Urgency.Preservation && (r.Target == null || r.Target.Residence == null || r.Target.Residence.ToUpper() != f.RequestingCountry)", null),
        ("R15", "r.NonDisclosureUntil != null && r.NonDisclosureUntil.Value > i.EvaluationDate && r.NonDisclosureUntil.Value <= i.EvaluationDate.AddDays(f.MaxNonDisclosureDays)", Outcome.Rejected),
    ];

    private readonly PolicyPack pack;
    private readonly RulesEngine.RulesEngine rules;
    private readonly Dictionary<string, Outcome?> effects = Rules.ToDictionary(r => r.Rule, r => r.OnFailure);

    public RulesEngineBaseline(PolicyPack pack)
    {
        this.pack = pack;
        var workflow = new Workflow
        {
            WorkflowName = "policy",
            Rules = Rules.Select(r => new Rule
            {
                RuleName = r.Rule,
                Expression = r.Expression,
                RuleExpressionType = RuleExpressionType.LambdaExpression,
            }).ToList(),
        };
        rules = new RulesEngine.RulesEngine(
            [workflow],
            new ReSettings
            {
                CustomTypes = [typeof(AuthorityType), typeof(Urgency), typeof(IdentifierType), typeof(SensitiveCircumstance), typeof(DateOnly)],
            });
    }

    public Outcome Evaluate(PolicyInput input)
    {
        var facts = Facts(input);
        var results = rules.ExecuteAllRulesAsync(
            "policy",
            new RuleParameter("r", input.Request),
            new RuleParameter("f", facts),
            new RuleParameter("i", input)).AsTask().GetAwaiter().GetResult();

        var outcome = Outcome.Direct;
        foreach (var result in results)
        {
            if (!result.IsSuccess && effects[result.Rule.RuleName] is { } effect && Rank(effect) > Rank(outcome))
            {
                outcome = effect;
            }
        }

        return outcome;
    }

    private static int Rank(Outcome outcome) => outcome switch
    {
        Outcome.Rejected => 3,
        Outcome.Mlat => 2,
        Outcome.HumanReview => 1,
        _ => 0,
    };

    // The pack lookups: same tables and the same channel choice as the compiled engine.
    private Facts Facts(PolicyInput input)
    {
        var request = input.Request;
        var settings = pack.Settings;
        var facts = new Facts
        {
            Provider = input.ProviderJurisdiction.ToUpperInvariant(),
            RequestingCountry = request.RequestingCountry.ToUpperInvariant(),
            SeriousCrimeMinPenaltyYears = settings.SeriousCrimeMinPenaltyYears,
            JustificationMinLength = settings.JustificationMinLength,
            MaxTimeRangeDays = settings.MaxTimeRangeDays,
            MaxNonDisclosureDays = settings.MaxNonDisclosureDays,
        };
        foreach (var category in request.DataCategories)
        {
            switch (category)
            {
                case DataCategory.Subscriber: facts.WantsSubscriber = true; break;
                case DataCategory.Identification: facts.WantsIdentification = true; break;
                case DataCategory.Traffic: facts.WantsTraffic = true; break;
                case DataCategory.Content: facts.WantsContent = true; break;
                default: facts.WantsInterception = true; break;
            }
        }

        var r = pack.IndexOf(request.RequestingCountry);
        var p = pack.IndexOf(input.ProviderJurisdiction);

        // R9: a provider state the pack does not know is assumed to require assurances, as the engine assumes.
        facts.AssurancesRequired = p < 0 || pack.CountryEntries[p].DeathPenaltyAssurancesRequired;
        if (r < 0 || p < 0)
        {
            return facts;
        }

        var country = pack.CountryEntries[r];
        var wanted = 0;
        foreach (var category in request.DataCategories)
        {
            if (category != DataCategory.Interception)
            {
                wanted |= 1 << (int)category;
            }
        }

        PairChannel? chosen = null, partial = null, otherUrgency = null;
        foreach (var open in pack.Pair(r, p).Channels)
        {
            if (input.EvaluationDate < open.From || (request.LegalInstrument is { } named && named != open.Channel.Instrument))
            {
                continue;
            }

            if ((open.Channel.UrgencyMask & (1 << (int)request.Urgency)) == 0)
            {
                otherUrgency ??= open;
                continue;
            }

            var allowed = request.Urgency == Urgency.Emergency ? open.Channel.EmergencyCategoryMask : open.Channel.CategoryMask;
            if (wanted != 0 && (wanted & ~allowed) == 0)
            {
                chosen = open;
                break;
            }

            partial ??= open;
        }

        var channel = (chosen ?? partial ?? otherUrgency)?.Channel;
        if (channel is null || request.LegalInstrument == LegalInstrument.Mlat)
        {
            return facts;
        }

        facts.HasChannel = true;
        var allowedMask = request.Urgency == Urgency.Emergency ? channel.EmergencyCategoryMask : channel.CategoryMask;
        facts.AllowsSubscriber = (allowedMask & (1 << (int)DataCategory.Subscriber)) != 0;
        facts.AllowsIdentification = (allowedMask & (1 << (int)DataCategory.Identification)) != 0;
        facts.AllowsTraffic = (allowedMask & (1 << (int)DataCategory.Traffic)) != 0;
        facts.AllowsContent = (allowedMask & (1 << (int)DataCategory.Content)) != 0;
        facts.AllowsPreservation = (channel.UrgencyMask & (1 << (int)Urgency.Preservation)) != 0;
        facts.PreservesOnly = channel.UrgencyMask == 1 << (int)Urgency.Preservation;
        facts.ForbidsTargeting = channel.ForbidsTargetingProviderState;
        facts.NotifiesEnforcingState = channel.NotifiesEnforcingState;
        facts.SeriousCrimeForEveryRequest = channel.SeriousCrimeForEveryRequest;
        facts.ListedOffenceSuffices = channel.ListedOffenceSuffices;
        facts.C2 = country.Criteria[0].Status == RuleStatus.Passed;
        facts.C3 = country.Criteria[1].Status == RuleStatus.Passed;
        facts.C4 = country.Criteria[2].Status == RuleStatus.Passed;
        facts.C5 = country.Criteria[3].Status == RuleStatus.Passed;
        facts.C6 = country.Criteria[4].Status == RuleStatus.Passed;
        facts.C7 = country.Criteria[5].Status == RuleStatus.Passed;
        facts.C9 = country.Criteria[6].Status == RuleStatus.Passed;
        facts.AgencyRegistered = request.AgencyId is not null && country.Agencies.Contains(request.AgencyId);
        facts.ReviewDue = country.ReviewDue;
        if (channel.ReliesOnProviderEntry)
        {
            facts.ProviderReviewDue = pack.CountryEntries[p].ReviewDue;
        }

        facts.Suspended = input.Suspensions?.IsSuspended(country.Code) ?? false;
        return facts;
    }
}
