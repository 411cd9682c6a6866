using System.Text.Json;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies.Tests;

public sealed class EngineTests
{
    private static readonly DateOnly Today = new(2026, 11, 23);
    private static readonly JsonSerializerOptions WebOptions = new(JsonSerializerDefaults.Web);
    private readonly PolicyEngine engine = new(PackLocation.Pack);

    private static RequestContent Request(string from = "GB", string to = "US", params DataCategory[] categories) =>
        SampleContent.Request(from, to, categories);

    private Decision Evaluate(RequestContent request, DateOnly? on = null, ICountrySuspensions? suspensions = null) =>
        engine.Evaluate(new PolicyInput(request, request.ProviderJurisdiction!, on ?? Today) { Suspensions = suspensions });

    [Fact]
    public void Every_decision_gives_a_reason_for_every_rule_in_order()
    {
        var decision = Evaluate(Request());

        Assert.Equal(
            ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"],
            decision.Reasons.Select(r => r.Rule));
        Assert.All(decision.Reasons, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));
        Assert.All(decision.Reasons, r => Assert.False(string.IsNullOrWhiteSpace(r.Source)));
    }

    [Fact]
    public void Replaying_the_same_input_gives_identical_json()
    {
        var request = Request() with { Flags = [SensitiveCircumstance.Press] };
        var first = JsonSerializer.Serialize(Evaluate(request), DecisionJson.Options);

        var again = new PolicyEngine(PolicyPackLoader.LoadDirectory(PackLocation.Directory).Pack!);
        var second = JsonSerializer.Serialize(again.Evaluate(new PolicyInput(request, "US", Today)), DecisionJson.Options);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Decision_json_uses_camel_case_and_wire_names()
    {
        var json = JsonSerializer.Serialize(Evaluate(Request("DE", "IE")), DecisionJson.Options);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Equal("direct", root.GetProperty("outcome").GetString());
        Assert.Equal("eu-epoc", root.GetProperty("channel").GetString());
        Assert.Equal("passed", root.GetProperty("reasons")[0].GetProperty("status").GetString());
        Assert.Equal("not-applicable", root.GetProperty("reasons").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "R6").GetProperty("status").GetString());
        Assert.Equal("P10D", root.GetProperty("deadlines")[0].GetProperty("duration").GetString());
        Assert.StartsWith("sha256:", root.GetProperty("policyVersion").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_with_plain_web_options_still_writes_enum_names()
    {
        var json = JsonSerializer.Serialize(Evaluate(Request()), WebOptions);

        Assert.Contains("\"outcome\":\"direct\"", json, StringComparison.Ordinal);
        Assert.Contains("\"channel\":\"cloud-act-agreement\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"not-applicable\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Parallel_evaluation_gives_the_same_decisions_as_serial()
    {
        var requests = new[]
        {
            Request(), Request("DE", "IE"), Request("CA", "US"), Request("RU", "US", DataCategory.Subscriber),
            Request() with { Identifiers = [] }, Request() with { Flags = [SensitiveCircumstance.Political] },
        };
        var expected = requests.Select(r => JsonSerializer.Serialize(Evaluate(r), DecisionJson.Compact)).ToArray();

        var mismatches = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var k = i % requests.Length;
            var json = JsonSerializer.Serialize(Evaluate(requests[k]), DecisionJson.Compact);
            if (json != expected[k])
            {
                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Suspension_is_read_from_the_input_not_the_pack()
    {
        Assert.Equal(Outcome.Direct, Evaluate(Request()).Outcome);

        var suspended = Evaluate(Request(), suspensions: new CountrySuspensions(["gb"]));

        Assert.Equal(Outcome.Mlat, suspended.Outcome);
        Assert.Equal(["C11"], suspended.Deciding);
        Assert.Equal(Outcome.Direct, Evaluate(Request()).Outcome);
    }

    [Fact]
    public void A_stale_provider_entry_closes_the_channel_that_rests_on_it_naming_that_state()
    {
        var request = Request("JP", "RS", DataCategory.Subscriber) with { AgencyId = "jp-npa" };

        Assert.Equal(Outcome.Direct, Evaluate(request, on: new DateOnly(2026, 6, 1)).Outcome);
        var decision = Evaluate(request);

        Assert.Equal(Outcome.Mlat, decision.Outcome);
        Assert.Equal(["C10"], decision.Deciding);
        var c10 = decision.Reason("C10").Message;
        Assert.Contains("RS's entry (the provider's state)", c10, StringComparison.Ordinal);
        Assert.Contains("2026-09-01", c10, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_stale_entries_are_named()
    {
        var request = Request("JP", "RS", DataCategory.Subscriber) with { AgencyId = "jp-npa", NonDisclosureUntil = new DateOnly(2031, 12, 1) };
        var decision = Evaluate(request, on: new DateOnly(2031, 7, 1));

        Assert.Equal(["C10"], decision.Deciding);
        var c10 = decision.Reason("C10").Message;
        Assert.Contains("JP's entry (the requesting state)", c10, StringComparison.Ordinal);
        Assert.Contains("RS's entry (the provider's state)", c10, StringComparison.Ordinal);
    }

    [Fact]
    public void Mlat_route_names_central_authorities_and_treaty()
    {
        var toIreland = Evaluate(Request("DE", "IE"), on: new DateOnly(2026, 8, 17)).MlatRoute;
        Assert.Equal("Central Authority for Mutual Assistance, Department of Justice", toIreland.RequestedCentralAuthority);
        Assert.Contains("Member States of the EU (2000)", toIreland.TreatyBasis, StringComparison.Ordinal);

        var toGermany = Evaluate(Request("FR", "DE")).MlatRoute;
        Assert.Contains("European Investigation Order", toGermany.TreatyBasis, StringComparison.Ordinal);

        var canadaToGermany = Evaluate(Request("CA", "DE")).MlatRoute;
        Assert.Contains("CETS 185", canadaToGermany.TreatyBasis, StringComparison.Ordinal);

        var ukToUs = Evaluate(Request("GB", "US") with { Target = new Target { Nationality = "US" } });
        Assert.Equal(Outcome.Mlat, ukToUs.Outcome);
        Assert.Equal("GB", ukToUs.MlatRoute.RequestingState);
        Assert.Equal("US", ukToUs.MlatRoute.RequestedState);
        Assert.Contains("United Kingdom on Mutual Legal Assistance", ukToUs.MlatRoute.TreatyBasis, StringComparison.Ordinal);
        Assert.Equal("mlat-planning", WireName(Assert.Single(ukToUs.Deadlines).Kind));
    }

    [Fact]
    public void Unknown_provider_state_goes_by_mlat_without_throwing()
    {
        var decision = Evaluate(Request() with { ProviderJurisdiction = "NZ" });

        Assert.Equal(Outcome.Mlat, decision.Outcome);
        Assert.Equal(["C1"], decision.Deciding);
        Assert.Equal("NZ", decision.MlatRoute.RequestedState);
    }

    [Fact]
    public void Mlat_planning_deadline_counts_calendar_months()
    {
        var deadline = Evaluate(Request("CA", "DE")).Deadlines.Single();

        Assert.Equal(new DateTimeOffset(2027, 9, 30, 0, 0, 0, TimeSpan.Zero), deadline.DueFrom(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Agency_absent_is_not_evaluated_and_does_not_block()
    {
        var decision = Evaluate(Request() with { AgencyId = null });

        Assert.Equal(RuleStatus.NotEvaluated, decision.Reason("C8").Status);
        Assert.Equal(Outcome.Direct, decision.Outcome);
    }

    [Fact]
    public void Emergency_confirmation_releases_the_hold()
    {
        var emergency = Request() with { Urgency = Urgency.Emergency, EmergencyThreat = "Threat to life stated in messages." };

        Assert.Equal(Outcome.HumanReview, Evaluate(emergency).Outcome);
        var confirmed = engine.Evaluate(new PolicyInput(emergency, "US", Today) { EmergencyConfirmedBySupervisor = true });
        Assert.Equal(Outcome.Direct, confirmed.Outcome);
    }

    [Fact]
    public void Evaluation_date_decides_not_the_clock()
    {
        var request = Request("DE", "IE");

        Assert.Equal(Outcome.Mlat, Evaluate(request, on: new DateOnly(2026, 8, 17)).Outcome);
        Assert.Equal(Outcome.Direct, Evaluate(request, on: new DateOnly(2026, 8, 18)).Outcome);
    }

    [Theory]
    [InlineData(DataCategory.Subscriber, Urgency.Standard)]
    [InlineData(DataCategory.Identification, Urgency.Standard)]
    [InlineData(DataCategory.Content, Urgency.Standard)]
    [InlineData(DataCategory.Content, Urgency.Preservation)]
    public void On_a_cloud_act_agreement_every_request_needs_serious_crime_and_a_listed_offence_does_not_stand_in(DataCategory category, Urgency urgency)
    {
        var request = Request("GB", "US", category) with
        {
            Urgency = urgency,
            Offence = new Offence { Description = "Computer misuse", MaxPenaltyYears = 2, ListedOffence = true },
        };

        var decision = Evaluate(request);

        Assert.Equal(Outcome.Mlat, decision.Outcome);
        Assert.Equal(["R3"], decision.Deciding);
        var r3 = decision.Reason("R3");
        Assert.Contains("US CLOUD Act executive agreement", r3.Message, StringComparison.Ordinal);
        Assert.Contains("no list of offences", r3.Message, StringComparison.Ordinal);
        Assert.Contains("US–UK Agreement", r3.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("2023/1543", r3.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_cloud_act_agreement_serious_crime_passes_r3_naming_the_agreement()
    {
        var decision = Evaluate(Request("GB", "US", DataCategory.Subscriber) with { Offence = new Offence { Description = "Fraud", MaxPenaltyYears = 3 } });

        Assert.Equal(Outcome.Direct, decision.Outcome);
        var r3 = decision.Reason("R3");
        Assert.Equal(RuleStatus.Passed, r3.Status);
        Assert.Contains("US CLOUD Act executive agreement", r3.Message, StringComparison.Ordinal);
        Assert.Contains("US–UK Agreement", r3.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void On_an_eu_order_a_listed_offence_stands_in_and_r3_cites_the_regulation()
    {
        var decision = Evaluate(Request("DE", "IE", DataCategory.Traffic) with
        {
            Offence = new Offence { Description = "Computer misuse", MaxPenaltyYears = 2, ListedOffence = true },
        });

        Assert.Equal(Outcome.Direct, decision.Outcome);
        var r3 = decision.Reason("R3");
        Assert.Equal(RuleStatus.Passed, r3.Status);
        Assert.Contains("European Production Order", r3.Message, StringComparison.Ordinal);
        Assert.Contains("listed offence", r3.Message, StringComparison.Ordinal);
        Assert.Contains("2023/1543", r3.Source, StringComparison.Ordinal);
    }

    // Each decision cites the instrument it travels under: an order under a CLOUD Act agreement or a voluntary
    // disclosure does not rest on the EU Regulation, and a value the broker sets there says "broker default".
    [Fact]
    public void A_request_with_no_direct_channel_cites_the_broker_s_policy_on_the_mlat_route_not_an_instrument_it_does_not_travel_under()
    {
        var mlat = Evaluate(Request("RU", "DE")); // no channel at all; RU to US would be evaluated under voluntary disclosure
        Assert.Null(mlat.EvaluatedChannel);
        var eu = Evaluate(Request("DE", "IE"));

        Assert.Equal(Outcome.Mlat, mlat.Outcome);
        Assert.All(["R1", "R4", "R5", "R13", "R15"], rule =>
            Assert.StartsWith("Broker", mlat.Reason(rule).Source, StringComparison.Ordinal));
        Assert.Contains("the treaty and the requested state's law", mlat.Reason("R4").Source, StringComparison.Ordinal);
        Assert.Equal(LegalInstrument.EuEpoc, eu.Channel);
        Assert.Equal("Reg. 2023/1543 Art. 4", eu.Reason("R4").Source);
    }

    [Fact]
    public void A_cloud_act_decision_cites_the_agreement_and_broker_defaults_not_the_eu_regulation()
    {
        var production = Evaluate(Request("GB", "US"));
        var preservation = Evaluate(Request("GB", "US") with
        {
            Urgency = Urgency.Preservation,
            IssuingAuthority = new Authority { Type = AuthorityType.Prosecutor, Name = "CPS" },
        });

        Assert.Equal(Outcome.Direct, production.Outcome);
        Assert.Equal(LegalInstrument.CloudActAgreement, production.Channel);
        Assert.Contains("§2523(b)(4)(D)(v)", production.Reason("R4").Source, StringComparison.Ordinal);
        Assert.DoesNotContain("Reg. 2023/1543 Art. 11", production.Reason("R15").Source, StringComparison.Ordinal);
        Assert.Contains("issuing state's law", production.Reason("R15").Source, StringComparison.Ordinal);
        Assert.Contains("broker default", production.Reason("R15").Source, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Outcome.Direct, preservation.Outcome);
        Assert.Contains("§2523", preservation.Reason("R12").Source, StringComparison.Ordinal);
        Assert.Contains("60 days + 30: broker default", preservation.Reason("R12").Source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_voluntary_emergency_cites_section_2702_and_broker_defaults_not_the_eu_regulation()
    {
        var emergency = Request("CA", "US") with
        {
            Urgency = Urgency.Emergency,
            EmergencyThreat = "Threat to life stated in messages.",
            IssuingAuthority = new Authority { Type = AuthorityType.Police, Name = "RCMP" },
        };

        var decision = engine.Evaluate(new PolicyInput(emergency, "US", Today) { EmergencyConfirmedBySupervisor = true });

        Assert.Equal(Outcome.Direct, decision.Outcome);
        Assert.Equal(LegalInstrument.Voluntary, decision.Channel);
        Assert.StartsWith("Broker default", decision.Reason("R4").Source, StringComparison.Ordinal);
        Assert.NotEqual("Reg. 2023/1543 Art. 4", decision.Reason("R4").Source);
        Assert.Contains("§2702(b)(8)", decision.Reason("R11").Source, StringComparison.Ordinal);
        Assert.StartsWith("Broker default", decision.Reason("R15").Source, StringComparison.Ordinal);
        var validation = decision.Deadlines.Single(d => d.Kind == DeadlineKind.PostHocValidation);
        Assert.True(validation.BrokerDefault);
        Assert.StartsWith("Broker default", validation.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void An_eu_order_cites_the_regulation_article_of_each_rule()
    {
        var emergency = Request("DE", "IE") with
        {
            Urgency = Urgency.Emergency,
            EmergencyThreat = "Threat to life stated in messages.",
            IssuingAuthority = new Authority { Type = AuthorityType.Police, Name = "BKA" },
        };

        var decision = engine.Evaluate(new PolicyInput(emergency, "IE", Today) { EmergencyConfirmedBySupervisor = true });

        Assert.Equal(Outcome.Direct, decision.Outcome);
        Assert.Equal("Reg. 2023/1543 Art. 4", decision.Reason("R4").Source);
        Assert.StartsWith("Reg. 2023/1543 Art. 13", decision.Reason("R15").Source, StringComparison.Ordinal);
        // The Regulation has no supervisor's confirmation: that part is the broker's own control, and says so.
        Assert.Contains("supervisor confirmation: broker control", decision.Reason("R11").Source, StringComparison.Ordinal);
        var validation = decision.Deadlines.Single(d => d.Kind == DeadlineKind.PostHocValidation);
        Assert.False(validation.BrokerDefault);
        Assert.Equal("Reg. 2023/1543 Art. 4(5)", validation.Source);
    }

    [Fact]
    public void A_named_instrument_not_open_for_the_pair_does_not_say_that_no_channel_is_open()
    {
        var named = Request("DE", "IE", DataCategory.Content) with { LegalInstrument = LegalInstrument.CloudActAgreement };

        var decision = engine.Evaluate(new PolicyInput(named, "IE", Today));

        Assert.Equal(Outcome.Mlat, decision.Outcome);
        Assert.Contains("name it, or none", decision.Reason("C1").Message, StringComparison.Ordinal);
        Assert.All(decision.Reasons.Where(r => r.Rule is "C2" or "C11" or "R2"), r =>
        {
            Assert.Equal(RuleStatus.NotApplicable, r.Status);
            Assert.DoesNotContain("No direct channel is open", r.Message, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(DataCategory.Subscriber, "judge, court or prosecutor")]
    [InlineData(DataCategory.Content, "judge or court must")]
    public void An_emergency_order_s_validation_afterwards_names_who_may_give_it(DataCategory category, string who)
    {
        var emergency = Request("DE", "IE", category) with
        {
            Urgency = Urgency.Emergency,
            EmergencyThreat = "Threat to life stated in messages.",
            IssuingAuthority = new Authority { Type = AuthorityType.Police, Name = "BKA" },
        };

        var decision = engine.Evaluate(new PolicyInput(emergency, "IE", Today) { EmergencyConfirmedBySupervisor = true });

        Assert.Contains(who, decision.Reason("R4").Message, StringComparison.Ordinal);
        Assert.DoesNotContain("validation", decision.Reason("R11").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ip", "198.51.100.0-198.51.100.255", true, "single addresses")]
    [InlineData("ip", "198.51.100.0/24", true, "single addresses")]
    [InlineData("email", "@example.com", false, "full addresses")]
    [InlineData("email", "example.com", false, "full addresses")]
    [InlineData("ip", "198.51.100.7", false, "from and to")]
    public void A_bulk_selector_is_rejected_saying_what_to_fix(string type, string value, bool withTime, string fix)
    {
        var identifier = new Identifier
        {
            Type = type == "ip" ? IdentifierType.Ip : IdentifierType.Email,
            Value = value,
            From = withTime ? new DateTimeOffset(2026, 10, 1, 10, 0, 0, TimeSpan.Zero) : null,
            To = withTime ? new DateTimeOffset(2026, 10, 1, 10, 5, 0, TimeSpan.Zero) : null,
        };
        var request = Request("DE", "IE", DataCategory.Identification) with { Identifiers = [Request().Identifiers[0], identifier] };

        var decision = Evaluate(request);

        Assert.Equal(Outcome.Rejected, decision.Outcome);
        Assert.Equal(["R1"], decision.Deciding);
        Assert.Contains(fix, decision.Reason("R1").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ip_needs_its_time_only_for_identification_data()
    {
        var ip = new Identifier { Type = IdentifierType.Ip, Value = "198.51.100.7", From = new DateTimeOffset(2026, 10, 1, 10, 0, 0, TimeSpan.Zero) };

        Assert.Equal(Outcome.Direct, Evaluate(Request("DE", "IE", DataCategory.Traffic) with { Identifiers = [ip] }).Outcome);
        Assert.Equal(Outcome.Rejected, Evaluate(Request("DE", "IE", DataCategory.Traffic, DataCategory.Identification) with { Identifiers = [ip] }).Outcome);
        Assert.Equal(Outcome.Direct, Evaluate(Request("DE", "IE", DataCategory.Identification) with { Identifiers = [ip with { To = ip.From!.Value.AddMinutes(5) }] }).Outcome);
    }

    [Fact]
    public void A_case_with_a_wrong_expectation_fails()
    {
        var json = File.ReadAllText(Path.Combine(PackLocation.Cases, "gb-us-content-direct.json"))
            .Replace("\"outcome\": \"direct\"", "\"outcome\": \"rejected\"", StringComparison.Ordinal);

        var result = PolicyCases.Run(engine, PolicyCases.Parse("wrong.json", json));

        Assert.False(result.Passed);
        Assert.Contains(result.Failures, f => f.StartsWith("outcome:", StringComparison.Ordinal));
    }

    private static string WireName(DeadlineKind kind) => JsonSerializer.Serialize(kind).Trim('"');
}
