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
    public string Provider { get; set; } = "";
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
        ("C10", "!f.HasChannel || i.EvaluationDate <= f.ReviewDue", Outcome.Mlat),
        ("C11", "!f.HasChannel || !f.Suspended", Outcome.Mlat),
        ("R1", "r.Identifiers.Count > 0 && !r.Identifiers.Any(Value.Trim() == \"\" || Value.Contains(\"*\") || Value.Contains(\"?\") || Value.Contains(\"%\") || Value.ToLower() == \"all\" || Value.ToLower() == \"any\" || (Type == IdentifierType.Ip && Value.Contains(\"/\")))", Outcome.Rejected),
        ("R2", "!f.HasChannel || ((!f.WantsSubscriber || f.AllowsSubscriber) && (!f.WantsIdentification || f.AllowsIdentification) && (!f.WantsTraffic || f.AllowsTraffic) && (!f.WantsContent || f.AllowsContent))", Outcome.Mlat),
        ("R3", "!f.HasChannel || r.Urgency == Urgency.Preservation || !(f.WantsTraffic || f.WantsContent || f.WantsInterception) || r.Offence.ListedOffence || r.Offence.MaxPenaltyYears >= 3", Outcome.Mlat),
        ("R4", ("J(r.IssuingAuthority.Type) || ((r.Urgency == Urgency.Preservation || !(f.WantsTraffic || f.WantsContent || f.WantsInterception)) && (r.IssuingAuthority.Type == AuthorityType.Prosecutor || (r.ValidatedBy != null && r.ValidatedBy.Type == AuthorityType.Prosecutor))) || (r.ValidatedBy != null && J(r.ValidatedBy.Type)) || (r.Urgency == Urgency.Emergency && r.IssuingAuthority.Type != AuthorityType.Other)")
            .Replace("J(r.IssuingAuthority.Type)", Judicial.Replace("x", "r.IssuingAuthority.Type", StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("J(r.ValidatedBy.Type)", Judicial.Replace("x", "r.ValidatedBy.Type", StringComparison.Ordinal), StringComparison.Ordinal), Outcome.Rejected),
        ("R5", "r.Justification.Trim().Length >= 40 && r.TimeRange != null && r.TimeRange.To > r.TimeRange.From && r.TimeRange.From.AddDays(1826) >= r.TimeRange.To", Outcome.Rejected),
        ("R6", "!f.HasChannel || !f.ForbidsTargeting || r.Target == null || (r.Target.Nationality != f.Provider && r.Target.Residence != f.Provider && r.Target.LocatedIn != f.Provider)", Outcome.Mlat),
        ("R7", "!r.Flags.Contains(SensitiveCircumstance.OnBehalfOfThirdState)", Outcome.Mlat),
        ("R8", "!r.Flags.Any(it == SensitiveCircumstance.Press || it == SensitiveCircumstance.Political || it == SensitiveCircumstance.Privileged || it == SensitiveCircumstance.Immunity)", Outcome.HumanReview),
        ("R9", "!r.Flags.Contains(SensitiveCircumstance.DeathPenaltyPossible) || !f.AssurancesRequired", Outcome.HumanReview),
        ("R10", "!f.WantsInterception", Outcome.Mlat),
        ("R11", "r.Urgency != Urgency.Emergency || (r.EmergencyThreat != null && r.EmergencyThreat.Trim() != \"\" && i.EmergencyConfirmedBySupervisor)", Outcome.HumanReview),
        ("R12", "!f.HasChannel || (r.Urgency == Urgency.Preservation && f.AllowsPreservation) || (r.Urgency != Urgency.Preservation && !f.PreservesOnly)", Outcome.Mlat),
        ("R13", "r.UseLimitsAcknowledged", Outcome.Rejected),
        ("R14", "f.HasChannel && f.NotifiesEnforcingState && (f.WantsTraffic || f.WantsContent) && r.Urgency != Urgency.Preservation && (r.Target == null || r.Target.Residence != r.RequestingCountry)", null),
        ("R15", "r.NonDisclosureUntil != null && r.NonDisclosureUntil.Value > i.EvaluationDate && r.NonDisclosureUntil.Value <= i.EvaluationDate.AddDays(365)", Outcome.Rejected),
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
        var facts = new Facts { Provider = input.ProviderJurisdiction };
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
        if (r < 0 || p < 0)
        {
            return facts;
        }

        var country = pack.CountryEntries[r];
        facts.AssurancesRequired = pack.CountryEntries[p].DeathPenaltyAssurancesRequired;
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
        facts.C2 = country.Criteria[0].Status == RuleStatus.Passed;
        facts.C3 = country.Criteria[1].Status == RuleStatus.Passed;
        facts.C4 = country.Criteria[2].Status == RuleStatus.Passed;
        facts.C5 = country.Criteria[3].Status == RuleStatus.Passed;
        facts.C6 = country.Criteria[4].Status == RuleStatus.Passed;
        facts.C7 = country.Criteria[5].Status == RuleStatus.Passed;
        facts.C9 = country.Criteria[6].Status == RuleStatus.Passed;
        facts.AgencyRegistered = request.AgencyId is not null && country.Agencies.Contains(request.AgencyId);
        facts.ReviewDue = country.ReviewDue;
        facts.Suspended = input.Suspensions?.IsSuspended(country.Code) ?? false;
        return facts;
    }
}
