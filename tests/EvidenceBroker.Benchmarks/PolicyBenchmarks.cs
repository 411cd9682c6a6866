using BenchmarkDotNet.Attributes;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using RulesEngine.Models;

namespace EvidenceBroker.Benchmarks;

/// <summary>
/// One full decision against the whole demo pack: the compiled engine versus Microsoft RulesEngine running the
/// same C1–C11 and R1–R15 checks as lambda-expression rules over the same input (the baseline).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyDecisionBenchmarks
{
    private PolicyEngine engine = null!;
    private PolicyInput input = null!;
    private RulesEngineBaseline baseline = null!;

    [GlobalSetup]
    public void Setup()
    {
        var directory = ExportFixtures.FindPolicies();
        var pack = PolicyPackLoader.LoadDirectory(directory).Pack ?? throw new InvalidOperationException("pack did not load");
        engine = new PolicyEngine(pack);
        baseline = new RulesEngineBaseline(pack);
        var request = new RequestContent
        {
            RequestingCountry = "FR",
            AgencyId = "fr-ofac",
            ProviderJurisdiction = "IE",
            DataCategories = [DataCategory.Traffic, DataCategory.Content],
            Identifiers = [new Identifier { Type = IdentifierType.Email, Value = "suspect@example.com" }, new Identifier { Type = IdentifierType.Ip, Value = "198.51.100.7" }],
            TimeRange = new TimeRange { From = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero) },
            Offence = new Offence { Description = "Ransomware attack on a hospital", MaxPenaltyYears = 10, ListedOffence = true },
            IssuingAuthority = new Authority { Type = AuthorityType.InvestigatingJudge, Name = "Juge d'instruction, Paris" },
            Urgency = Urgency.Standard,
            Justification = "The ransom note sent from suspect@example.com names the wallet used in the attack of 3 March.",
            Target = new Target { Nationality = "FR", Residence = "IE" },
            UseLimitsAcknowledged = true,
            NonDisclosureUntil = new DateOnly(2027, 5, 1),
        };
        input = new PolicyInput(request, "IE", new DateOnly(2026, 11, 23));

        // Both sides must reach the same decision, or the comparison means nothing.
        var expected = engine.Evaluate(input).Outcome;
        var actual = baseline.Evaluate(input);
        if (expected != actual)
        {
            throw new InvalidOperationException($"Baseline decided {actual}, engine decided {expected}.");
        }
    }

    [Benchmark(Baseline = true, Description = "Policy decision, RulesEngine 6.0.1")]
    public Outcome PolicyRulesEngine() => baseline.Evaluate(input);

    [Benchmark(Description = "Policy decision, compiled pack")]
    public Outcome PolicyCompiledEngine() => engine.Evaluate(input).Outcome;
}
