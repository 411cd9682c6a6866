using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies.Tests;

/// <summary>
/// R12 states the preservation period and its one extension from the channel's rows in deadlines.yaml, the rows the
/// decision carries and the server's clock runs by, so that the decision never promises what the clock does not do.
/// </summary>
public sealed class PreservationTermsTests
{
    private static readonly DateOnly Today = new(2026, 11, 23);

    private const string EpocPrPreservation =
        "{ kind: preservation, channel: eu-epoc-pr, urgency: preservation, within: 60 days, source: \"Reg. 2023/1543 Art. 11(1)\" }";

    private const string EpocPrExtension =
        "  - { kind: preservation-extension, channel: eu-epoc-pr, urgency: preservation, within: 30 days, source: \"Reg. 2023/1543 Art. 11(1)\" }\n";

    private static Dictionary<string, string> RealFiles()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(PackLocation.Directory, "*.yaml", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(PackLocation.Directory, path).Replace('\\', '/')] = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        }

        return files;
    }

    private static string Replace(string text, string item, string replacement)
    {
        Assert.Contains(item, text, StringComparison.Ordinal);
        return text.Replace(item, replacement, StringComparison.Ordinal);
    }

    private static Decision Preserve(PolicyPack pack, string from, string to) =>
        new PolicyEngine(pack).Evaluate(new PolicyInput(
            SampleContent.Request(from, to, DataCategory.Subscriber) with { Urgency = Urgency.Preservation }, to, Today));

    [Theory]
    [InlineData("DE", "IE", LegalInstrument.EuEpocPr, "European Preservation Order (EPOC-PR)")]
    [InlineData("GB", "US", LegalInstrument.CloudActAgreement, "US CLOUD Act executive agreement")]
    [InlineData("BR", "US", LegalInstrument.Voluntary, "Voluntary disclosure by a US provider")]
    public void The_repository_pack_keeps_sixty_days_extendable_once_by_thirty(string from, string to, LegalInstrument channel, string name)
    {
        var decision = Preserve(PackLocation.Pack, from, to);

        Assert.Equal(channel, decision.Channel);
        var r12 = decision.Reason("R12");
        Assert.Equal(RuleStatus.Passed, r12.Status);
        Assert.Equal($"Preservation only, on the {name}: kept 60 days, extendable once by 30 days.", r12.Message);
    }

    [Fact]
    public void A_pack_with_other_preservation_figures_states_them_in_R12_as_its_deadlines_carry_them()
    {
        var files = RealFiles();
        files["deadlines.yaml"] = Replace(
            Replace(files["deadlines.yaml"], EpocPrPreservation, EpocPrPreservation.Replace("within: 60 days", "within: 90 days", StringComparison.Ordinal)),
            EpocPrExtension,
            EpocPrExtension.Replace("within: 30 days", "within: 1 month", StringComparison.Ordinal));
        var result = PolicyPackLoader.Load(files);
        Assert.Empty(result.Errors);

        var decision = Preserve(result.Pack!, "DE", "IE");

        Assert.Equal(LegalInstrument.EuEpocPr, decision.Channel);
        Assert.Equal("Preservation only, on the European Preservation Order (EPOC-PR): kept 90 days, extendable once by 1 month.", decision.Reason("R12").Message);
        Assert.Contains(decision.Deadlines, d => d is { Kind: DeadlineKind.Preservation, Amount: 90, Unit: DeadlineUnit.Days });
        Assert.Contains(decision.Deadlines, d => d is { Kind: DeadlineKind.PreservationExtension, Amount: 1, Unit: DeadlineUnit.Months });
    }

    [Fact]
    public void A_channel_that_allows_preservation_without_an_extension_row_is_refused_on_load()
    {
        var files = RealFiles();
        files["deadlines.yaml"] = Replace(files["deadlines.yaml"], EpocPrExtension, "");

        var result = PolicyPackLoader.Load(files);

        Assert.Null(result.Pack);
        var error = Assert.Single(result.Errors);
        Assert.Equal("channels.yaml", error.File);
        Assert.Equal("channels[1].urgencies", error.Field);
        Assert.Contains("preservation-extension deadline in deadlines.yaml for eu-epoc-pr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_pack_without_an_extension_row_still_loads_and_states_no_extension()
    {
        var files = RealFiles();
        files["deadlines.yaml"] = Replace(files["deadlines.yaml"], EpocPrExtension, "");

        var result = PolicyPackLoader.LoadStored(files);

        Assert.Empty(result.Errors);
        Assert.Equal(
            "Preservation only, on the European Preservation Order (EPOC-PR): kept 60 days; the pack sets no extension.",
            Preserve(result.Pack!, "DE", "IE").Reason("R12").Message);
    }
}
