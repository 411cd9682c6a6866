using System.Text.Json;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Cli.Tests;

public sealed class PolicyCommandTests
{
    private static readonly string Policies = FindPolicies();

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Policy_test_passes_every_case_of_the_real_pack()
    {
        var (code, output, error) = await Run("policy", "test", Policies);

        Assert.True(code == 0, output + error);
        Assert.Matches(@"\d{2,} cases: \d+ passed, 0 failed\. Policy sha256:[0-9a-f]{64}", output);
    }

    [Fact]
    public async Task Policy_test_fails_when_a_case_disagrees()
    {
        var dir = CopyPack();
        var path = Path.Combine(dir, "cases", "gb-us-content-direct.json");
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("\"outcome\": \"direct\"", "\"outcome\": \"mlat\"", StringComparison.Ordinal));

        var (code, output, _) = await Run("policy", "test", dir);

        Assert.Equal(1, code);
        Assert.Contains("FAIL gb-us-content-direct: outcome: expected mlat, got direct", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_test_fails_on_a_pack_error_naming_file_and_line()
    {
        var dir = CopyPack();
        var path = Path.Combine(dir, "pack.yaml");
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("effectiveFrom: 2026-11-01", "effectiveFrom: someday", StringComparison.Ordinal));

        var (code, _, error) = await Run("policy", "test", dir);

        Assert.Equal(1, code);
        Assert.Contains("pack.yaml:5: effectiveFrom:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_prints_the_decision_of_a_case_file()
    {
        var (code, output, error) = await Run("policy", "evaluate", Path.Combine(Policies, "cases", "de-ie-traffic-prosecutor-unvalidated.json"), "--pack", Policies);

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("rejected", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("eu-epoc", json.RootElement.GetProperty("channel").GetString());
        Assert.Equal(26, json.RootElement.GetProperty("reasons").GetArrayLength());
        Assert.Equal("R4", json.RootElement.GetProperty("deciding")[0].GetString());
        Assert.StartsWith("sha256:", json.RootElement.GetProperty("policyVersion").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_refuses_a_suspension_that_is_not_a_country_naming_the_option()
    {
        var (code, _, error) = await Run("policy", "evaluate", Path.Combine(Policies, "cases", "de-ie-traffic-prosecutor-unvalidated.json"),
            "--pack", Policies, "--suspend", "gb");

        Assert.Equal(2, code);
        Assert.Contains("--suspend", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_refuses_a_country_in_lower_case_in_the_broker_s_words()
    {
        var (_, _, error) = await Run("policy", "evaluate", Path.Combine(Policies, "cases", "de-ie-traffic-prosecutor-unvalidated.json"),
            "--pack", Policies, "--suspend", "gb");

        Assert.Contains(CountryCode.Rule, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_honours_the_evaluation_date()
    {
        var file = Path.Combine(Policies, "cases", "de-ie-content-after-18-aug-2026.json");

        var (_, before, _) = await Run("policy", "evaluate", file, "--pack", Policies, "--on", "2026-08-01");

        using var json = JsonDocument.Parse(before);
        Assert.Equal("mlat", json.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Policy_evaluate_on_a_date_near_the_calendar_s_end_decides_rather_than_crashing()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, GbRequest(providerJurisdiction: "US").Replace("\"2027-01-01\"", "\"9999-12-31\"", StringComparison.Ordinal));

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies, "--on", "9999-06-01");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("passed", json.RootElement.GetProperty("reasons").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "R15").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Policy_evaluate_of_a_file_that_cannot_be_read_exits_2_without_a_stack_trace()
    {
        // A file that exists but cannot be read, even by root: the kernel refuses reads of a process's memory at address 0.
        var (code, output, error) = await Run("policy", "evaluate", "/proc/self/mem", "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith("Cannot read a file:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_reports_c8_not_evaluated_without_agency()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, GbRequest(providerJurisdiction: "US"));

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies, "--on", "2026-11-23");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var c8 = json.RootElement.GetProperty("reasons").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "C8");
        Assert.Equal("not-evaluated", c8.GetProperty("status").GetString());
        Assert.Equal("direct", json.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Policy_evaluate_refuses_a_provider_in_the_requesting_state_as_the_broker_does()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, GbRequest(providerJurisdiction: "GB"));

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("own legal process", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_bad_field_exits_2_naming_the_field()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, """{ "requestingCountry": "GB", "providerJurisdiction": "US", "dataCategories": ["everything"] }""");

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("request.dataCategories", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"name\": \"Crown Court\"", "\"name\": \"\"", "issuingAuthority.name: 'Name' must not be empty.")]
    [InlineData("\"maxPenaltyYears\": 10", "\"maxPenaltyYears\": -1", "offence.maxPenaltyYears: Between 0 and 100 years")]
    [InlineData("[{ \"type\": \"email\", \"value\": \"suspect@example.com\" }]", "[]", "identifiers: Give at least one specific identifier.")]
    [InlineData("\"value\": \"suspect@example.com\"", "\"value\": \"\"", "identifiers[0].value: The identifier's value is empty.")]
    public async Task Policy_evaluate_refuses_what_the_api_refuses_at_filing_naming_the_field_as_the_api_does(string part, string replacement, string expected)
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, GbRequest(providerJurisdiction: "US").Replace(part, replacement, StringComparison.Ordinal));

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains($"{file}: {expected}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_prints_one_line_per_problem_of_the_request()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, GbRequest(providerJurisdiction: "US")
            .Replace("\"name\": \"Crown Court\"", "\"name\": \"\"", StringComparison.Ordinal)
            .Replace("\"maxPenaltyYears\": 10", "\"maxPenaltyYears\": -1", StringComparison.Ordinal));

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal(
            [$"{file}: offence.maxPenaltyYears: Between 0 and 100 years (use 100 for life).", $"{file}: issuingAuthority.name: 'Name' must not be empty."],
            error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Policy_evaluate_refuses_an_identifier_given_as_null_naming_it()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, WithNullIdentifier(await File.ReadAllTextAsync(Path.Combine(Policies, "cases", "gb-us-content-direct.json"))));

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("request.identifiers[1]: must not be null.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_test_reports_a_case_with_a_null_identifier_and_runs_the_others()
    {
        var dir = CopyPack();
        var path = Path.Combine(dir, "cases", "gb-us-content-direct.json");
        await File.WriteAllTextAsync(path, WithNullIdentifier(await File.ReadAllTextAsync(path)));

        var (code, output, error) = await Run("policy", "test", dir);

        Assert.Equal(1, code);
        Assert.Contains("request.identifiers[1]: must not be null.", output + error, StringComparison.Ordinal);
        Assert.Matches(@"\d{2,} cases: \d{2,} passed, 1 failed", output);
    }

    /// <summary>The case's request with a second identifier written as null.</summary>
    private static string WithNullIdentifier(string caseJson)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(caseJson)!;
        node["request"]!["identifiers"]!.AsArray().Add(null);
        return node.ToJsonString();
    }

    [Fact]
    public async Task Policy_evaluate_refuses_a_case_file_with_two_requests()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, $$"""{ "request": {{GbRequest(providerJurisdiction: "US")}}, "request": {{GbRequest(providerJurisdiction: "DE")}} }""");

        var (code, output, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("Duplicate property 'request'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_malformed_json_exits_2()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        await File.WriteAllTextAsync(file, "{ not json");

        var (code, _, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Contains(file, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_evaluate_without_jurisdiction_exits_2()
    {
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".json");
        var request = File.ReadAllText(Path.Combine(Policies, "cases", "gb-us-content-direct.json"))
            .Replace("\"providerJurisdiction\": \"US\"", "\"providerId\": \"acme-mail\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, request);

        var (code, _, error) = await Run("policy", "evaluate", file, "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Contains("request.providerJurisdiction", error, StringComparison.Ordinal);
        Assert.Contains("acme-mail", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_file_exits_2()
    {
        var (code, _, error) = await Run("policy", "evaluate", "/no/such/request.json", "--pack", Policies);

        Assert.Equal(2, code);
        Assert.Contains("not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_date_option_exits_2()
    {
        var (code, _, error) = await Run("policy", "evaluate", Path.Combine(Policies, "cases", "gb-us-content-direct.json"), "--pack", Policies, "--on", "23/11/2026");

        Assert.Equal(2, code);
        Assert.Contains("--on", error, StringComparison.Ordinal);
    }

    private static string CopyPack()
    {
        var target = Path.Combine(Path.GetTempPath(), "eb-pack-" + Guid.NewGuid());
        foreach (var path in Directory.EnumerateFiles(Policies, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Policies, path));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(path, destination);
        }

        return target;
    }

    private static string FindPolicies()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "policies");
            if (File.Exists(Path.Combine(candidate, "pack.yaml")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("policies/ not found");
    }

    /// <summary>A UK court's order for subscriber data, as a request file for <c>policy evaluate</c>.</summary>
    private static string GbRequest(string providerJurisdiction) => $$"""
        {
          "requestingCountry": "GB",
          "providerJurisdiction": "{{providerJurisdiction}}",
          "dataCategories": ["subscriber"],
          "identifiers": [{ "type": "email", "value": "suspect@example.com" }],
          "timeRange": { "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z" },
          "offence": { "description": "Fraud", "maxPenaltyYears": 10 },
          "issuingAuthority": { "type": "judge", "name": "Crown Court" },
          "urgency": "standard",
          "justification": "Fourteen payments were instructed from suspect@example.com in January.",
          "useLimitsAcknowledged": true,
          "nonDisclosureUntil": "2027-01-01"
        }
        """;
}
