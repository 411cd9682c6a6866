using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies.Tests;

public sealed class LoaderTests
{
    private static Dictionary<string, string> RealFiles()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(PackLocation.Directory, "*.yaml", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(PackLocation.Directory, path).Replace('\\', '/')] = File.ReadAllText(path);
        }

        return files;
    }

    private static PackError SingleError(Dictionary<string, string> files)
    {
        var result = PolicyPackLoader.Load(files);
        Assert.Null(result.Pack);
        return Assert.Single(result.Errors);
    }

    /// <summary>The line of rules.yaml holding a rule's onFailure, written on the rule's line or in its block.</summary>
    private static int OnFailureLine(string[] lines, string rule)
    {
        var start = Array.FindIndex(lines, l => l.StartsWith($"  {rule}:", StringComparison.Ordinal));
        Assert.True(start >= 0, rule);
        return Array.FindIndex(lines, start, l => l.Contains("onFailure:", StringComparison.Ordinal));
    }

    private static string ReplaceFirst(string text, string item, string replacement)
    {
        var index = text.IndexOf(item, StringComparison.Ordinal);
        Assert.True(index >= 0, item);
        return string.Concat(text.AsSpan(0, index), replacement, text.AsSpan(index + item.Length));
    }

    [Fact]
    public void The_real_pack_loads_without_errors()
    {
        var result = PolicyPackLoader.LoadDirectory(PackLocation.Directory);

        Assert.Empty(result.Errors);
        Assert.NotNull(result.Pack);
        Assert.StartsWith("sha256:", result.Pack.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pack_covers_the_required_countries_and_seeded_agencies()
    {
        var pack = PackLocation.Pack;
        string[] required = ["US", "GB", "AU", "CA", "JP", "RS", "BR", "IN", "RU", "CN", "TR"];
        foreach (var code in required)
        {
            Assert.NotNull(pack.FindCountry(code));
        }

        Assert.Equal(27, pack.Countries.Count(c => c.EuMember));
        Assert.False(pack.FindCountry("DK")!.BoundByEuEvidenceRegulation);
        Assert.True(pack.IsRegisteredAgency("GB", "gb-met"));
        Assert.True(pack.IsRegisteredAgency("GB", "gb-nca"));
        Assert.True(pack.IsRegisteredAgency("US", "us-fbi"));
        Assert.True(pack.IsRegisteredAgency("DE", "de-bka"));
        Assert.True(pack.IsRegisteredAgency("FR", "fr-ofac"));
        Assert.True(pack.IsRegisteredAgency("AU", "au-afp"));
        Assert.True(pack.IsRegisteredAgency("BR", "br-pf"));
        Assert.True(pack.IsRegisteredAgency("RU", "ru-mvd"));
        Assert.False(pack.IsRegisteredAgency("GB", "us-fbi"));
        Assert.All(pack.Countries, c => Assert.True(c.Agencies.Count >= 2, c.Code));
    }

    [Fact]
    public void Version_ignores_line_endings_and_cases_but_not_content()
    {
        var files = RealFiles();
        var version = PolicyPackLoader.Load(files).Pack!.Version;

        var crlf = files.ToDictionary(f => f.Key, f => f.Value.Replace("\n", "\r\n", StringComparison.Ordinal));
        crlf["cases/ignored.yaml"] = "anything: at all";
        Assert.Equal(version, PolicyPackLoader.Load(crlf).Pack!.Version);

        files["countries/de.yaml"] = files["countries/de.yaml"].Replace("reviewedOn: 2026-06-01", "reviewedOn: 2026-06-02", StringComparison.Ordinal);
        Assert.NotEqual(version, PolicyPackLoader.Load(files).Pack!.Version);
    }

    [Fact]
    public void Bad_yaml_names_file_and_line()
    {
        var files = RealFiles();
        files["channels.yaml"] = "channels:\n  - id: eu-epoc\n    name: [unclosed\n";

        var error = SingleError(files);

        Assert.Equal("channels.yaml", error.File);
        Assert.Equal("(yaml)", error.Field);
        Assert.True(error.Line >= 3, error.ToString());
    }

    // YamlDotNet's representation model recurses once per level: a file this deep overflowed the stack and killed
    // the process (uncatchable), and oversight can send any pack to the what-if endpoint.
    [Fact]
    public void A_deeply_nested_flow_sequence_is_a_pack_error_not_a_crash()
    {
        var files = RealFiles();
        files["channels.yaml"] = "channels: " + new string('[', 100_000) + "\n";

        var error = SingleError(files);

        Assert.Equal("channels.yaml", error.File);
        Assert.Equal("(yaml)", error.Field);
        Assert.Contains("nested more than 64 levels deep", error.Message, StringComparison.Ordinal);
    }

    // "? " opens a block mapping whose key is the next node, so each "? " on one line is one more level of block
    // mapping without the quadratic text that indented lines would need.
    [Fact]
    public void A_deeply_nested_block_mapping_is_a_pack_error_not_a_crash()
    {
        var files = RealFiles();
        files["countries/de.yaml"] = string.Concat(Enumerable.Repeat("? ", 100_000)) + "code\n";

        var error = SingleError(files);

        Assert.Equal("countries/de.yaml", error.File);
        Assert.Equal("(yaml)", error.Field);
        Assert.Contains("nested more than 64 levels deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_within_the_bound_is_read_as_usual()
    {
        var files = RealFiles();
        files["channels.yaml"] = "channels: " + new string('[', 63) + new string(']', 63) + "\n";

        var error = SingleError(files);

        Assert.Equal("channels[0]", error.Field);
        Assert.Equal("Expected a channel mapping.", error.Message);
    }

    [Fact]
    public void Unknown_field_names_file_line_and_field()
    {
        var files = RealFiles();
        files["countries/de.yaml"] = files["countries/de.yaml"].Replace("illustrative: true\n", "illustrative: true\nfavouriteColour: blue\n", StringComparison.Ordinal);

        var error = SingleError(files);

        Assert.Equal("countries/de.yaml", error.File);
        Assert.Equal("favouriteColour", error.Field);
        Assert.Equal(6, error.Line);
        Assert.Contains("Unknown field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_field_names_the_field()
    {
        var files = RealFiles();
        files["countries/fr.yaml"] = files["countries/fr.yaml"].Replace("    source: \"World Justice Project Rule of Law Index 2025\"\n", "", StringComparison.Ordinal);

        var error = SingleError(files);

        Assert.Equal("countries/fr.yaml", error.File);
        Assert.Equal("criteria.C3.source", error.Field);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void Bad_country_code_is_refused()
    {
        var files = RealFiles();
        files["channels.yaml"] = files["channels.yaml"].Replace("between: [US, AU]", "between: [US, XX]", StringComparison.Ordinal);

        var error = SingleError(files);

        Assert.Equal("channels.yaml", error.File);
        Assert.Equal("channels[2].pairs[1].between", error.Field);
        Assert.Contains("'XX' is not an ISO 3166-1 alpha-2", error.Message, StringComparison.Ordinal);
        Assert.Equal(1 + files["channels.yaml"].Split('\n').ToList().FindIndex(l => l.Contains("between: [US, XX]", StringComparison.Ordinal)), error.Line);
    }

    [Theory]
    [InlineData("countries/fr.yaml", "  - id: fr-pnj\n    name: \"Police nationale, direction nationale de la police judiciaire\"\n",
        "  - fr-pnj\n", "agencies[1]", "Expected a mapping with id and name.")]
    [InlineData("countries/fr.yaml", "    - with: [eu-eio]\n      basis: \"Directive 2014/41/EU (European Investigation Order)\"\n",
        "    - eu-eio\n", "mlat.treaties[0]", "Expected a mapping with 'with' and 'basis'.")]
    [InlineData("pack.yaml", "    - group: cets185\n", "    - cets185\n    - group: cets185\n", "mlat.sharedMemberships[0]",
        "Expected a mapping with group and basis.")]
    [InlineData("channels.yaml", "      - between: [US, AU]\n        inForceFrom: 2024-01-31\n", "      - [US, AU]\n      - between: [US, AU]\n        inForceFrom: 2024-01-31\n",
        "channels[2].pairs[1]", "Expected a mapping with between and inForceFrom.")]
    [InlineData("channels.yaml", "  - id: eu-epoc\n", "  - eu-epoc\n  - id: eu-epoc\n", "channels[0]", "Expected a channel mapping.")]
    [InlineData("deadlines.yaml", "  - { kind: response, channel: eu-epoc, urgency: standard,",
        "  - response\n  - { kind: response, channel: eu-epoc, urgency: standard,", "deadlines[0]", "Expected a deadline mapping.")]
    public void A_list_item_that_is_not_a_mapping_is_refused_naming_its_place(string file, string item, string replacement, string field, string message)
    {
        var files = RealFiles();
        var original = files[file];
        files[file] = original.Replace(item, replacement, StringComparison.Ordinal);
        Assert.NotEqual(original, files[file]);

        var error = SingleError(files);

        Assert.Equal(file, error.File);
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
        Assert.True(error.Line > 0);
    }

    [Theory]
    [InlineData("channel: eu-epoc, urgency: standard", "channel: eu-epic, urgency: standard", "deadlines[0].channel", "Unknown channel 'eu-epic'.")]
    [InlineData("channel: eu-epoc, urgency: standard", "channel: eu-epoc, urgency: soon", "deadlines[0].urgency", "Unknown urgency 'soon'.")]
    public void A_deadline_for_an_unknown_channel_or_urgency_is_refused_naming_it(string item, string replacement, string field, string message)
    {
        var files = RealFiles();
        var original = files["deadlines.yaml"];
        var index = original.IndexOf(item, StringComparison.Ordinal);
        files["deadlines.yaml"] = string.Concat(original.AsSpan(0, index), replacement, original.AsSpan(index + item.Length));

        var error = SingleError(files);

        Assert.Equal("deadlines.yaml", error.File);
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
        Assert.Equal(6, error.Line);
    }

    // DateTimeOffset.AddMonths throws past 120,000 months: "200000 months" loaded and then failed every filing.
    [Theory]
    [InlineData("200000 months")]
    [InlineData("121 months")]
    [InlineData("3654 days")]
    [InlineData("87673 hours")]
    public void A_deadline_longer_than_ten_years_is_refused_naming_it(string within)
    {
        var files = RealFiles();
        files["deadlines.yaml"] = ReplaceFirst(files["deadlines.yaml"], "within: 10 days", "within: " + within);

        var error = SingleError(files);

        Assert.Equal("deadlines.yaml", error.File);
        Assert.Equal("deadlines[0].within", error.Field);
        Assert.Equal(6, error.Line);
        Assert.Equal($"'{within}' is longer than 10 years: a deadline is at most 120 months, 3653 days or 87672 hours.", error.Message);
    }

    [Theory]
    [InlineData("120 months")]
    [InlineData("3653 days")]
    [InlineData("87672 hours")]
    public void A_deadline_of_ten_years_loads(string within)
    {
        var files = RealFiles();
        files["deadlines.yaml"] = ReplaceFirst(files["deadlines.yaml"], "within: 10 days", "within: " + within);

        Assert.Empty(PolicyPackLoader.Load(files).Errors);
    }

    // The server stores a deadline's source in a column of 300 characters.
    [Fact]
    public void A_deadline_source_longer_than_300_characters_is_refused_naming_it()
    {
        var files = RealFiles();
        var original = "source: \"Reg. 2023/1543 Art. 10(2)\"";
        files["deadlines.yaml"] = ReplaceFirst(files["deadlines.yaml"], original, $"source: \"{new string('x', 301)}\"");

        var error = SingleError(files);

        Assert.Equal("deadlines.yaml", error.File);
        Assert.Equal("deadlines[0].source", error.Field);
        Assert.Equal(6, error.Line);
        Assert.Equal("The source is 301 characters long; at most 300 are kept with a deadline.", error.Message);

        files["deadlines.yaml"] = ReplaceFirst(RealFiles()["deadlines.yaml"], original, $"source: \"{new string('x', 300)}\"");
        Assert.Empty(PolicyPackLoader.Load(files).Errors);
    }

    // The server's MLAT drafts keep a central authority's name in 300 characters and a treaty basis in 500.
    [Theory]
    [InlineData("countries/gb.yaml", "centralAuthority: \"UK Central Authority, Home Office\"", "centralAuthority", 300, "mlat.centralAuthority")]
    [InlineData("countries/gb.yaml", "basis: \"Treaty between the United States and the United Kingdom on Mutual Legal Assistance in Criminal Matters (1994)\"", "basis", 500, "mlat.treaties[0].basis")]
    [InlineData("pack.yaml", "noTreaty: \"Letters rogatory on the basis of reciprocity (no treaty recorded in this pack)\"", "noTreaty", 500, "mlat.noTreaty")]
    public void An_mlat_text_longer_than_a_draft_keeps_is_refused_naming_it(string file, string original, string key, int limit, string field)
    {
        var files = RealFiles();
        files[file] = ReplaceFirst(files[file], original, $"{key}: \"{new string('x', limit + 1)}\"");

        var error = SingleError(files);

        Assert.Equal(file, error.File);
        Assert.EndsWith(field, error.Field, StringComparison.Ordinal);
        Assert.Equal($"The text is {limit + 1} characters long; at most {limit} are kept.", error.Message);

        files[file] = ReplaceFirst(RealFiles()[file], original, $"{key}: \"{new string('x', limit)}\"");
        Assert.Empty(PolicyPackLoader.Load(files).Errors);
    }

    [Theory]
    [InlineData("reviewIntervalYears: 5", "reviewIntervalYears: 11", "settings.reviewIntervalYears", "Expected a whole number from 1 to 10.")]
    [InlineData("maxTimeRangeDays: 1826", "maxTimeRangeDays: 36500", "settings.maxTimeRangeDays", "Expected a whole number from 1 to 3653.")]
    [InlineData("maxNonDisclosureDays: 365", "maxNonDisclosureDays: 3654", "settings.maxNonDisclosureDays", "Expected a whole number from 1 to 3653.")]
    public void A_setting_longer_than_ten_years_is_refused_naming_it(string setting, string replacement, string field, string message)
    {
        var files = RealFiles();
        files["pack.yaml"] = ReplaceFirst(files["pack.yaml"], setting, replacement);

        var error = SingleError(files);

        Assert.Equal("pack.yaml", error.File);
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("appliesTo: every-request", "appliesTo: content-only", "channels[2].seriousCrime.appliesTo", "Expected traffic-and-content or every-request, found 'content-only'.")]
    [InlineData("listedOffenceSuffices: false", "listedOffenceSuffices: no", "channels[2].seriousCrime.listedOffenceSuffices", "Expected true or false.")]
    public void A_channels_serious_crime_threshold_is_checked(string item, string replacement, string field, string message)
    {
        var files = RealFiles();
        files["channels.yaml"] = ReplaceFirst(files["channels.yaml"], item, replacement);

        var error = SingleError(files);

        Assert.Equal("channels.yaml", error.File);
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
    }

    // Packs stored before channels stated their threshold must still load, and decide as they did: the server replays
    // decisions, and keeps the active pack in force across a restart, with the pack that made them. They decided R3 by
    // the EU Regulation's rule on every channel, so one version never gives two outcomes for one input.
    [Fact]
    public void A_channel_without_a_serious_crime_threshold_decides_as_packs_did_before_the_field()
    {
        var files = RealFiles();
        var lines = files["channels.yaml"].Split('\n');
        files["channels.yaml"] = string.Join('\n', lines.Where(l => !l.TrimStart().StartsWith("seriousCrime:", StringComparison.Ordinal)));

        var result = PolicyPackLoader.LoadStored(files);

        Assert.Empty(result.Errors);
        var engine = new PolicyEngine(result.Pack!);
        var subscriber = PolicyCases.Parse("a.json", File.ReadAllText(Path.Combine(PackLocation.Cases, "gb-us-subscriber-penalty-2y.json")));
        var listed = PolicyCases.Parse("b.json", File.ReadAllText(Path.Combine(PackLocation.Cases, "de-ie-traffic-penalty-2y-listed.json")));
        Assert.Equal(RuleStatus.Passed, engine.Evaluate(subscriber.Input).Reason("R3").Status); // the agreements' rule would fail it
        Assert.True(PolicyCases.Run(engine, listed).Passed);
        // In the words and with the source such packs gave: rules.yaml's R3, naming no channel.
        var r3 = engine.Evaluate(subscriber.Input).Reason("R3");
        Assert.Equal("Reg. 2023/1543 Art. 5(3), 5(4); US–UK Agreement Art. 1; US–Australia Agreement Art. 1", r3.Source);
        Assert.Equal("Subscriber and identification data: any criminal offence suffices.", r3.Message);
    }

    // Checks added after packs were first stored apply to packs being admitted, not to packs already stored: a stored
    // pack that passed the checks of its day must not stop the server starting or replaying its decisions.
    [Fact]
    public void A_stored_pack_that_predates_a_check_still_loads_while_a_new_one_is_refused()
    {
        var files = RealFiles();
        files["pack.yaml"] = ReplaceFirst(files["pack.yaml"], "reviewIntervalYears: 5", "reviewIntervalYears: 15");
        files["rules.yaml"] = ReplaceFirst(files["rules.yaml"], "onFailure: human-review", "onFailure: mlat");
        files["deadlines.yaml"] = ReplaceFirst(files["deadlines.yaml"], "within: 10 days", "within: 200 months");

        Assert.Equal(3, PolicyPackLoader.Load(files).Errors.Count);
        Assert.Empty(PolicyPackLoader.LoadStored(files).Errors);
    }

    // A pack stored before channels said whether they rest on the provider state's entry checked only the
    // requesting state's review date; replaying it must give the decisions it gave.
    [Fact]
    public void A_channel_without_relies_on_provider_entry_checks_only_the_requesting_entry()
    {
        var files = RealFiles();
        var lines = files["channels.yaml"].Split('\n');
        files["channels.yaml"] = string.Join('\n', lines.Where(l => !l.TrimStart().StartsWith("reliesOnProviderEntry:", StringComparison.Ordinal)));
        Assert.NotEqual(RealFiles()["channels.yaml"], files["channels.yaml"]);

        var result = PolicyPackLoader.Load(files);

        Assert.Empty(result.Errors);
        var stale = PolicyCases.Parse("a.json", File.ReadAllText(Path.Combine(PackLocation.Cases, "jp-rs-subscriber-art7-provider-entry-stale.json")));
        var decision = new PolicyEngine(result.Pack!).Evaluate(stale.Input);
        Assert.Equal(Outcome.Direct, decision.Outcome);
        Assert.Equal("JP's entry was reviewed on 2026-06-01; next review due 2031-06-01.", decision.Reason("C10").Message);
    }

    [Fact]
    public void Relies_on_provider_entry_must_be_a_boolean()
    {
        var files = RealFiles();
        files["channels.yaml"] = ReplaceFirst(files["channels.yaml"], "reliesOnProviderEntry: true", "reliesOnProviderEntry: sometimes");

        var error = SingleError(files);

        Assert.Equal("channels.yaml", error.File);
        Assert.Equal("channels[0].reliesOnProviderEntry", error.Field);
    }

    // Packs stored before rules named a source per channel cite the rule's one source on every channel.
    [Fact]
    public void A_rule_without_channel_sources_cites_its_source_on_every_channel()
    {
        var files = RealFiles();
        var kept = new List<string>();
        var skipping = false;
        foreach (var line in files["rules.yaml"].Split('\n'))
        {
            if (line.TrimStart().StartsWith("channelSources:", StringComparison.Ordinal))
            {
                skipping = true;
                continue;
            }

            if (skipping && line.StartsWith("      ", StringComparison.Ordinal))
            {
                continue;
            }

            skipping = false;
            kept.Add(line);
        }

        files["rules.yaml"] = string.Join('\n', kept);
        Assert.NotEqual(RealFiles()["rules.yaml"], files["rules.yaml"]);

        var result = PolicyPackLoader.Load(files);

        Assert.Empty(result.Errors);
        var gbUs = PolicyCases.Parse("a.json", File.ReadAllText(Path.Combine(PackLocation.Cases, "gb-us-content-direct.json")));
        Assert.Equal("Reg. 2023/1543 Art. 4", new PolicyEngine(result.Pack!).Evaluate(gbUs.Input).Reason("R4").Source);
    }

    [Theory]
    [InlineData("      voluntary: ", "      interpol: ", "Unknown channel 'interpol'")]
    public void A_channel_source_names_a_channel(string item, string replacement, string message)
    {
        var files = RealFiles();
        files["rules.yaml"] = ReplaceFirst(files["rules.yaml"], item, replacement);

        var error = SingleError(files);

        Assert.Equal("rules.yaml", error.File);
        Assert.StartsWith("rules.R4.channelSources", error.Field, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Country_file_must_match_its_code()
    {
        var files = RealFiles();
        files["countries/de.yaml"] = files["countries/de.yaml"].Replace("code: DE", "code: AT", StringComparison.Ordinal);

        var result = PolicyPackLoader.Load(files);

        Assert.Null(result.Pack);
        Assert.Contains(result.Errors, e => e.File == "countries/de.yaml" && e.Field == "code" && e.Line == 3);
    }

    [Fact]
    public void Bad_date_names_the_value()
    {
        var files = RealFiles();
        files["pack.yaml"] = files["pack.yaml"].Replace("effectiveFrom: 2026-11-01", "effectiveFrom: 1 Nov 2026", StringComparison.Ordinal);

        var error = SingleError(files);

        Assert.Equal("pack.yaml", error.File);
        Assert.Equal("effectiveFrom", error.Field);
        Assert.Equal(5, error.Line);
        Assert.Contains("YYYY-MM-DD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_rule_is_refused_so_no_decision_lacks_a_reason()
    {
        var files = RealFiles();
        files["rules.yaml"] = string.Join('\n', files["rules.yaml"].Split('\n').Where(l => !l.StartsWith("  R14:", StringComparison.Ordinal)));

        var error = SingleError(files);

        Assert.Equal("rules.R14", error.Field);
    }

    // The engine and its messages assume these outcomes: C1 failing with human-review or none reached a direct outcome
    // without a channel (a null dereference on every such request), and the texts say "goes by MLAT", "a person must
    // review", "refused".
    [Theory]
    [InlineData("C1", "mlat", "human-review")]
    [InlineData("C1", "mlat", "none")]
    [InlineData("C4", "mlat", "human-review")]
    [InlineData("C10", "mlat", "none")]
    [InlineData("C11", "mlat", "rejected")]
    [InlineData("R1", "rejected", "mlat")]
    [InlineData("R2", "mlat", "human-review")]
    [InlineData("R5", "rejected", "none")]
    [InlineData("R7", "mlat", "rejected")]
    [InlineData("R8", "human-review", "mlat")]
    [InlineData("R9", "human-review", "none")]
    [InlineData("R10", "mlat", "human-review")]
    [InlineData("R11", "human-review", "none")]
    [InlineData("R12", "mlat", "none")]
    [InlineData("R14", "none", "rejected")]
    [InlineData("R15", "rejected", "mlat")]
    public void A_rule_whose_outcome_the_engine_assumes_cannot_be_changed(string rule, string assumed, string changed)
    {
        var files = RealFiles();
        var lines = files["rules.yaml"].Split('\n');
        var index = OnFailureLine(lines, rule);
        Assert.Matches($"onFailure: {assumed}( }})?$", lines[index]);
        lines[index] = System.Text.RegularExpressions.Regex.Replace(lines[index], "onFailure: [a-z-]+", $"onFailure: {changed}");
        files["rules.yaml"] = string.Join('\n', lines);

        var error = SingleError(files);

        Assert.Equal("rules.yaml", error.File);
        Assert.Equal($"rules.{rule}.onFailure", error.Field);
        Assert.Equal(index + 1, error.Line);
        Assert.StartsWith($"{rule} must say onFailure: {assumed}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"found '{changed}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("R3", "human-review")]
    [InlineData("R4", "mlat")]
    [InlineData("R6", "human-review")]
    public void A_rule_whose_outcome_is_the_packs_to_choose_may_be_changed(string rule, string changed)
    {
        var files = RealFiles();
        var lines = files["rules.yaml"].Split('\n');
        var index = OnFailureLine(lines, rule);
        lines[index] = System.Text.RegularExpressions.Regex.Replace(lines[index], "onFailure: [a-z-]+", $"onFailure: {changed}");
        files["rules.yaml"] = string.Join('\n', lines);

        var result = PolicyPackLoader.Load(files);

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Several_errors_are_all_reported_and_no_pack_is_returned()
    {
        var files = RealFiles();
        files["pack.yaml"] = files["pack.yaml"].Replace("effectiveFrom: 2026-11-01", "effectiveFrom: soon", StringComparison.Ordinal);
        files["countries/gb.yaml"] = files["countries/gb.yaml"].Replace("reviewedOn: 2026-06-01", "reviewedOn: 2026-13-01", StringComparison.Ordinal);
        files.Remove("deadlines.yaml");

        var result = PolicyPackLoader.Load(files);

        Assert.Null(result.Pack);
        Assert.Contains(result.Errors, e => e.File == "pack.yaml" && e.Field == "effectiveFrom");
        Assert.Contains(result.Errors, e => e.File == "countries/gb.yaml" && e.Field == "reviewedOn");
        Assert.Contains(result.Errors, e => e.File == "deadlines.yaml" && e.Line == 0);
    }

    [Fact]
    public void Missing_directory_is_an_error_not_an_exception()
    {
        var result = PolicyPackLoader.LoadDirectory(Path.Combine(Path.GetTempPath(), "no-such-pack-" + Guid.NewGuid()));

        Assert.Null(result.Pack);
        Assert.Single(result.Errors);
    }
}
